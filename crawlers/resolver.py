"""The crawl's DNS resolver (Scrapy's `DNS_RESOLVER`): the address a connection goes to is the
address the SSRF guard checked.

Scrapy looks a host name up again when it connects, so a hostile DNS server could answer a
public address to the guard and 127.0.0.1 to the connection (DNS rebinding). This resolver
pins the first answer for each name for the life of the crawl process: the guard
(crawlers.middlewares.PrivateAddressMiddleware) checks the pinned addresses against its
source's policy and the connection is made to the pinned address. A name that reaches the
connection without a pin (no guard saw it) is refused there if it answers a non-public address,
except the HTTP proxies the environment sets (the admin's own, often on the office network).

Names are looked up by the system (getaddrinfo, in the reactor's thread pool), or, when the
setting `YUQING_DNS_SERVERS` lists "host:port" servers, by those servers (twisted.names).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy.utils.datatypes import LocalCache
from twisted.internet import defer, threads
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.python.failure import Failure
from zope.interface import implementer

MAX_CNAME_HOPS = 8
log = logging.getLogger("yuqing.crawl.dns")


def non_public(addr: str) -> bool:
    """Private, loopback, link-local, shared (100.64/10), reserved, documentation, multicast."""
    ip = ipaddress.ip_address(addr.split("%")[0])
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
    return any(not x.is_global or x.is_multicast for x in (ip, mapped) if x is not None)


def literal_address(host: str) -> str | None:
    """The address a host that is an IP literal stands for, also in the legacy forms the C
    library accepts ("2130706433", "0x7f.1" are 127.0.0.1); None for a name."""
    host = host.strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def connect_address(addresses: tuple[str, ...]) -> str:
    """The one address a TCP connection goes to: the first IPv4 one, as Scrapy's default."""
    return next((a for a in addresses if ":" not in a), addresses[0])


def system_lookup(name: str) -> tuple[str, ...]:
    """Every address getaddrinfo gives for `name`, in its order, without repeats."""
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DNSLookupError(f"{name}: {exc}") from None
    return tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def parse_servers(servers: list[str] | tuple[str, ...]) -> list[tuple[str, int]]:
    """["10.0.0.53", "127.0.0.1:5353"] → [("10.0.0.53", 53), ("127.0.0.1", 5353)]."""
    out: list[tuple[str, int]] = []
    for server in map(str, servers):
        host, sep, port = server.rpartition(":")
        if not sep or (server.count(":") > 1 and not server.startswith("[")):  # bare IPv6
            host, port = server, "53"
        out.append((host.strip("[]"), int(port)))
    return out


@implementer(IResolverSimple)
class GuardedResolver:
    """Looks each name up once per process and answers every later question from that pin."""

    def __init__(
        self, reactor: Any, servers: list[tuple[str, int]], timeout: float, cache_size: int
    ):
        self.reactor = reactor
        self.timeout = timeout
        self.pins: LocalCache[str, tuple[str, ...]] = LocalCache(max(cache_size, 1000))
        self._waiting: dict[str, list[Deferred[tuple[str, ...]]]] = {}
        self.proxies = {urlsplit(u).hostname for u in getproxies().values() if "://" in u}
        if self.proxies:
            log.warning(
                "crawling through the HTTP proxy %s: the proxy resolves the names it is asked "
                "for, so only its own egress rules stop a page's name from being pointed at "
                "an office address (DNS rebinding); refuse private networks on the proxy",
                ", ".join(sorted(h for h in self.proxies if h)),
            )
        self._dns: Any = None
        if servers:
            from twisted.names import client

            self._dns = client.Resolver(servers=servers, reactor=reactor)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        settings = crawler.settings
        servers = parse_servers(settings.getlist("YUQING_DNS_SERVERS"))
        timeout = settings.getfloat("DNS_TIMEOUT")
        return cls(reactor, servers, timeout, settings.getint("DNSCACHE_SIZE"))

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def addresses(self, name: str) -> Deferred[tuple[str, ...]]:
        """All addresses of `name`; the first answer is pinned, and concurrent questions about
        one name share one lookup, so every caller sees the same addresses."""
        if (literal := literal_address(name)) is not None:
            return defer.succeed((literal,))
        if name in self.pins:
            return defer.succeed(self.pins[name])
        waiter: Deferred[tuple[str, ...]] = Deferred()
        if name in self._waiting:
            self._waiting[name].append(waiter)
            return waiter
        self._waiting[name] = [waiter]
        lookup = self._lookup(name)
        lookup.addTimeout(self.timeout, self.reactor)
        lookup.addCallbacks(self._pin, self._failed, callbackArgs=(name,), errbackArgs=(name,))
        return waiter

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:  # noqa: N802
        """The address a connection to `name` goes to (Twisted's endpoints ask here)."""
        if (literal := literal_address(name)) is not None:
            return defer.succeed(literal)
        if name in self.pins:
            return defer.succeed(connect_address(self.pins[name]))
        d = self.addresses(name)
        d.addCallback(self._unguarded, name)
        return d

    def _unguarded(self, addresses: tuple[str, ...], name: str) -> str:
        if name in self.proxies:
            return connect_address(addresses)
        if bad := next((a for a in addresses if non_public(a)), None):
            # Twisted reports any failure here as "DNS lookup failed": say why in the log
            log.warning("refused: %s is a private or loopback address (%s) no check saw", name, bad)
            raise DNSLookupError(f"refused: {name} is a private or loopback address ({bad})")
        return connect_address(addresses)

    def _lookup(self, name: str) -> Deferred[tuple[str, ...]]:
        if self._dns is None:
            return threads.deferToThreadPool(
                self.reactor, self.reactor.getThreadPool(), system_lookup, name
            )
        return defer.ensureDeferred(self._ask_servers(name))

    async def _ask_servers(self, name: str) -> tuple[str, ...]:
        from twisted.names import dns, error

        asked = name
        for _ in range(MAX_CNAME_HOPS):
            try:
                answers, _, _ = await self._dns.lookupAddress(asked, timeout=(self.timeout,))
            except error.DomainError as exc:
                raise DNSLookupError(f"{name}: {type(exc).__name__}") from None
            found = tuple(r.payload.dottedQuad() for r in answers if r.type == dns.A)
            if found:
                return found
            aliases = [r.payload.name.name.decode() for r in answers if r.type == dns.CNAME]
            if not aliases:
                break
            asked = aliases[-1]
        raise DNSLookupError(f"{name}: no address")

    def _pin(self, found: tuple[str, ...], name: str) -> None:
        if not found:
            return self._failed(Failure(DNSLookupError(f"{name}: no address")), name)
        if name not in self.pins:
            self.pins[name] = found
        for waiter in self._waiting.pop(name, []):
            waiter.callback(self.pins[name])
        return None

    def _failed(self, failure: Failure, name: str) -> None:
        if not failure.check(DNSLookupError):
            failure = Failure(DNSLookupError(f"{name}: {failure.getErrorMessage()}"))
        for waiter in self._waiting.pop(name, []):
            waiter.errback(failure)
