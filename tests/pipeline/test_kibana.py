"""Kibana does not run here: the saved objects are checked against the index templates, and
the import call is checked against a local receiver of the upload."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.config import ConfigError
from pipeline.kibana import fields_named, import_saved_objects, load_saved_objects
from pipeline.storage.es_mappings import templates


def mapped_fields(mapping: dict, prefix: str = "") -> set[str]:
    out = set()
    for name, spec in mapping.get("properties", {}).items():
        out.add(prefix + name)
        out |= {f"{prefix}{name}.{sub}" for sub in spec.get("fields", {})}
        out |= mapped_fields(spec, f"{prefix}{name}.")
    return out


def test_every_field_the_objects_name_is_in_the_templates():
    objects = load_saved_objects()
    assert {o["type"] for o in objects} == {"index-pattern", "visualization", "dashboard"}
    by_pattern = {
        body["index_patterns"][0]: mapped_fields(body["template"]["mappings"])
        for body in templates("yuqing").values()
    }
    for pattern, fields in fields_named(objects).items():
        assert fields, pattern
        missing = fields - by_pattern[pattern]
        assert not missing, f"{pattern}: {sorted(missing)}"


def test_dashboard_references_existing_visualisations():
    objects = load_saved_objects()
    ids = {o["id"] for o in objects}
    dashboard = next(o for o in objects if o["type"] == "dashboard")
    assert {r["id"] for r in dashboard["references"]} <= ids


class Receiver(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.seen.append((self.path, self.headers, body))
        objects = [line for line in body.splitlines() if line.startswith(b"{")]
        payload = {"success": True, "successCount": len(objects)}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_import_posts_the_ndjson_with_the_xsrf_header():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = import_saved_objects(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    path, headers, body = Receiver.seen[-1]
    assert path == "/api/saved_objects/_import?overwrite=true"
    assert headers["kbn-xsrf"] == "true"
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b"yuqing-overview" in body
    assert result["successCount"] == len(load_saved_objects())


def test_unreachable_kibana_is_a_clear_error():
    with pytest.raises(ConfigError, match="Kibana at http://127.0.0.1:9"):
        import_saved_objects("http://127.0.0.1:9", timeout=2)
