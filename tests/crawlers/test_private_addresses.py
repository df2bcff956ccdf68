"""The SSRF guard: a configured URL (or a redirect) to a private, loopback, link-local or
otherwise non-public address is refused with a clear reason, unless the source sets
`allow_private: true` (the demo does). The crawl runs for real, in a child process."""

from __future__ import annotations

import pytest
import yaml

from crawlers.health import HealthBook
from crawlers.middlewares import private_address
from crawlers.sources import load_sources
from pipeline.config import load_settings
from pipeline.storage.sqlite import open_sqlite_stores
from tests.crawlers.conftest import DEMO_SOURCES, crawl, write_config
from tests.crawlers.servers import HostileHandler, LocalServer

REFUSED = ["http://127.0.0.1/", "http://10.1.2.3/a", "http://169.254.169.254/latest/meta-data/",
           "http://192.168.1.1/", "http://172.16.0.1/", "http://localhost:8080/", "http://[::1]/",
           "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/", "http://100.64.0.1/",
           "http://0.0.0.0/", "http://[fd00::1]/", "http://2130706433/", "http://0x7f.1/",
           "http://224.0.0.1/"]  # fmt: skip
PUBLIC = ["http://8.8.8.8/", "http://[2001:4860:4860::8888]/", "http://1.1.1.1:8080/x"]


@pytest.mark.parametrize("url", REFUSED)
def test_non_public_addresses_are_recognised(url: str) -> None:
    assert private_address(url) is not None, url


@pytest.mark.parametrize("url", PUBLIC)
def test_public_addresses_pass(url: str) -> None:
    assert private_address(url) is None


def test_the_demo_sources_allow_private_addresses() -> None:
    sources = load_sources(DEMO_SOURCES, env={"YUQING_DEMO_URL": "http://127.0.0.1:1"})
    assert sources and all(s.allow_private for s in sources)


def test_a_crawl_refuses_private_targets_with_a_clear_reason(tmp_path) -> None:
    urls = {"loopback": "${URL}/list.html", "ten": "http://10.255.255.1/list.html",
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "hostname": "${HOSTURL}/list.html"}  # fmt: skip
    sources = [{"name": name, "spider": "gov_site", "source_type": "gov_site",
                "start_urls": [url], "retries": 0, "timeout_s": 2, "download_delay_s": 0}
               for name, url in urls.items()]  # fmt: skip
    sources.append({**sources[0], "name": "allowed", "allow_private": True})
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    settings = load_settings(write_config(tmp_path), env={})
    with LocalServer(HostileHandler) as server:
        port = server.url.rsplit(":", 1)[1]
        env = {"URL": server.url, "HOSTURL": f"http://localhost:{port}"}
        report = crawl(settings, load_sources(path, env=env), log_level="WARNING")
    stores = open_sqlite_stores(settings.data_dir / "store.sqlite")
    try:
        health = HealthBook(stores.state).all()
    finally:
        stores.close()
    for name, addr in [("loopback", "127.0.0.1"), ("ten", "10.255.255.1"),
                       ("metadata", "169.254.169.254"), ("hostname", "")]:  # fmt: skip
        (url, reason), *_ = health[name]["recent_errors"]
        assert reason.startswith("refused: ") and "private or loopback" in reason, reason
        assert addr in reason and "allow_private: true" in reason
        assert health[name]["status"] == "failing"
    allowed = health["allowed"]["recent_errors"]
    assert allowed and not [why for _, why in allowed if "private or loopback" in why]
    assert report is not None
