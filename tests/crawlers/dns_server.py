"""A real DNS server on 127.0.0.1 (UDP, a daemon thread) for the crawler tests: each name has
a sequence of answers, the first question gets the first, later ones the next (the last one
repeats), so a test can play a hostile server that rebinds a name between two lookups.
Wire format by twisted.names; no reactor runs in the test process."""

from __future__ import annotations

import socket
import threading
from collections import Counter

from twisted.names import dns


class RebindingDnsServer:
    """`answers`: name → the addresses of the 1st, 2nd … question (A records)."""

    def __init__(self, answers: dict[str, list[str]]):
        self.answers = {name.lower().rstrip("."): list(seq) for name, seq in answers.items()}
        self.asked: Counter[str] = Counter()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.sock.sendto(self.answer(data), peer)

    def answer(self, data: bytes) -> bytes:
        query = dns.Message()
        query.fromStr(data)
        reply = dns.Message(id=query.id, answer=1, recDes=query.recDes, recAv=1)
        reply.queries = query.queries
        for q in query.queries:
            name = q.name.name.decode().lower().rstrip(".")
            seq = self.answers.get(name)
            if seq is None:
                reply.rCode = dns.ENAME
                continue
            if q.type != dns.A:
                continue  # no AAAA records: the name is IPv4-only
            address = seq[min(self.asked[name], len(seq) - 1)]
            self.asked[name] += 1
            reply.answers.append(
                dns.RRHeader(q.name.name, dns.A, ttl=0, payload=dns.Record_A(address, ttl=0))
            )
        return reply.toStr()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()

    def __enter__(self) -> RebindingDnsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
