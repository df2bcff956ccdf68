"""GuardedResolver on its own, against the rebinding DNS server: one lookup per name however
many ask at once, the pinned answer for every later question, and a name no guard checked is
refused at connect time if it answers a private address. The reactor runs in a child process
(pytest's own process never starts one); literals, server lists and source policy here."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap

import pytest

from crawlers.resolver import connect_address, literal_address, non_public, parse_servers
from crawlers.sources import SourceConfig
from tests.crawlers.conftest import ROOT
from tests.crawlers.dns_server import RebindingDnsServer

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from twisted.internet import asyncioreactor
    asyncioreactor.install()
    from twisted.internet import defer, reactor
    from crawlers.resolver import GuardedResolver, parse_servers

    async def main():
        resolver = GuardedResolver(reactor, parse_servers([sys.argv[1]]), 5, 100)
        resolver.install_on_reactor()
        out = {}
        both = await defer.gatherResults([resolver.addresses("twice.test"),
                                          resolver.addresses("twice.test")])
        out["concurrent"] = [list(a) for a in both]
        out["later"] = list(await resolver.addresses("twice.test"))
        out["connect"] = await reactor.resolve("twice.test")
        try:
            out["unguarded"] = await reactor.resolve("sneaky.test")
        except Exception as exc:
            out["unguarded"] = f"{type(exc).__name__}: {exc}"
        out["unguarded_public"] = await reactor.resolve("public.test")
        out["proxy"] = await reactor.resolve("proxy.test")  # the environment's proxy
        try:
            await resolver.addresses("missing.test")
        except Exception as exc:
            out["missing"] = type(exc).__name__
        out["literal"] = await reactor.resolve("0x7f.1")
        return out

    def run():
        d = defer.ensureDeferred(main())
        d.addBoth(lambda r: (print(json.dumps(r if isinstance(r, dict) else str(r))),
                             reactor.stop()))
    reactor.callWhenRunning(run)
    reactor.run()
    """
)


def test_the_resolver_pins_shares_and_refuses_unchecked_private_answers() -> None:
    answers = {"twice.test": ["8.8.8.8", "127.0.0.1"], "sneaky.test": ["127.0.0.1"],
               "public.test": ["1.1.1.1"], "proxy.test": ["10.1.2.3"]}  # fmt: skip
    with RebindingDnsServer(answers) as dns:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, dns.address],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
            env={**os.environ, "http_proxy": "http://proxy.test:3128"},
        )  # fmt: skip
        asked = dict(dns.asked)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["concurrent"] == [["8.8.8.8"], ["8.8.8.8"]] and out["later"] == ["8.8.8.8"]
    assert out["connect"] == "8.8.8.8"
    assert asked["twice.test"] == 1
    assert out["unguarded"].startswith("DNSLookupError")
    assert "refused: sneaky.test is a private or loopback address (127.0.0.1)" in out["unguarded"]
    assert out["unguarded_public"] == "1.1.1.1" and out["proxy"] == "10.1.2.3"
    assert out["missing"] == "DNSLookupError"
    assert out["literal"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("host", "address"),
    [("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("2130706433", "127.0.0.1"),
     ("0x7f.1", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("example.com", None),
     ("deadbeef.cn", None), ("", None)],
)  # fmt: skip
def test_literal_addresses_in_every_form(host: str, address: str | None) -> None:
    assert literal_address(host) == address


def test_server_lists_and_connect_address() -> None:
    assert parse_servers(["10.0.0.53", "127.0.0.1:5353", "[::1]:53", "::1"]) == [
        ("10.0.0.53", 53), ("127.0.0.1", 5353), ("::1", 53), ("::1", 53),
    ]  # fmt: skip
    assert connect_address(("::1", "10.0.0.1")) == "10.0.0.1"
    assert connect_address(("2001:db8::1",)) == "2001:db8::1"
    assert non_public("::ffff:10.0.0.1") and not non_public("8.8.8.8")


def test_allow_private_takes_a_list_of_networks() -> None:
    base = {"name": "内网", "spider": "gov_site", "source_type": "gov_site",
            "start_urls": ["http://oa.example/"]}  # fmt: skip
    source = SourceConfig.model_validate({**base, "allow_private": ["10.8.0.0/16", "127.0.0.1"]})
    assert source.allows("10.8.3.4") and source.allows("127.0.0.1")
    assert not source.allows("10.9.0.1") and not source.allows("127.0.0.2")
    assert not source.allows("::1")
    assert SourceConfig.model_validate({**base, "allow_private": True}).allows("192.168.1.1")
    assert not SourceConfig.model_validate(base).allows("192.168.1.1")
    with pytest.raises(ValueError, match="list of networks; got '10.8.0.0/33'"):
        SourceConfig.model_validate({**base, "allow_private": ["10.8.0.0/33"]})


def test_an_environment_proxy_is_named_in_a_warning(monkeypatch, caplog) -> None:
    """Behind a proxy the proxy resolves names: the pin cannot protect, and the log says so."""
    from crawlers.resolver import GuardedResolver

    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.WARNING, logger="yuqing.crawl.dns"):
        GuardedResolver(None, [], 5, 100)
    assert "proxy" not in caplog.text
    monkeypatch.setenv("https_proxy", "http://proxy.office.lan:3128")
    with caplog.at_level(logging.WARNING, logger="yuqing.crawl.dns"):
        GuardedResolver(None, [], 5, 100)
    assert "proxy.office.lan" in caplog.text and "egress" in caplog.text
