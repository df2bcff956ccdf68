"""Kibana saved objects: the data views (Chinese field labels), visualisations and the
overview dashboard in deploy/kibana/, and the one call that imports them into a Kibana."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from pipeline.config import DEPLOY_DIR, ConfigError

SAVED_OBJECTS = DEPLOY_DIR / "kibana" / "yuqing.ndjson"


def load_saved_objects(path: Path | None = None) -> list[dict[str, Any]]:
    path = path or SAVED_OBJECTS
    objects = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                objects.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{number}: not valid JSON: {exc}") from None
    return objects


def fields_named(objects: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The fields each data view's objects name, by the index pattern they read."""
    patterns = {o["id"]: o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"}
    named: dict[str, set[str]] = {title: set() for title in patterns.values()}
    for o in objects:
        attrs = o["attributes"]
        if o["type"] == "index-pattern":
            fields = named[attrs["title"]]
            if attrs.get("timeFieldName"):  # a data view without time (case evidence ids)
                fields.add(attrs["timeFieldName"])
            fields.update(json.loads(attrs.get("fieldAttrs", "{}")))
        elif o["type"] == "visualization":
            index = next(r["id"] for r in o["references"] if r["type"] == "index-pattern")
            for agg in json.loads(attrs["visState"])["aggs"]:
                if "field" in agg.get("params", {}):
                    named[patterns[index]].add(agg["params"]["field"])
    return named


def import_saved_objects(url: str, path: Path | None = None, timeout: float = 30) -> dict:
    """POST the NDJSON to Kibana's saved-objects import API (overwriting older versions)."""
    path = path or SAVED_OBJECTS
    load_saved_objects(path)  # refuse a broken file before sending it
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: application/ndjson\r\n\r\n"
    )
    body = head.encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        url.rstrip("/") + "/api/saved_objects/_import?overwrite=true",
        data=body,
        method="POST",
        headers={"kbn-xsrf": "true", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            result = json.load(response)
    except (urllib.error.URLError, OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"Kibana at {url}: import failed: {exc}") from exc
    if not result.get("success", False):
        raise ConfigError(f"Kibana at {url}: import refused: {result.get('errors')}")
    return result
