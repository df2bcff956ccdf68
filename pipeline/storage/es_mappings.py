"""Index templates and mappings of the Elasticsearch stores.

Every facet a monitor or an analyst filters on is a keyword, times are dates, and
`dynamic: false` keeps unmapped parts (free-form `extra`, timeline details) in `_source`
without letting a crawled field explode the mapping. Kibana's saved objects name only
fields declared here (a test checks it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

KW = {"type": "keyword"}
DATE = {"type": "date"}
TEXT = {"type": "text"}
INT = {"type": "integer"}
TEXT_KW = {"type": "text", "fields": {"raw": {"type": "keyword", "ignore_above": 512}}}
DEPARTMENT = {"properties": {"code": KW, "name": KW, "role": KW, "why": TEXT}}
JURISDICTION = {"properties": {"name": KW, "code": KW, "level": KW}}
SEGMENTED = {"type": "text", "analyzer": "yuqing_whitespace"}

# Fields the store adds to an item's document for searching; not part of ScoredItem.
DERIVED_ITEM_FIELDS = ("text_seg", "department_codes")
# fields the case store adds to a case document (and drops when reading it back); the
# evidence ids are in PREFIX-case-items (es_case_items.py), `items` in the document is empty
DERIVED_CASE_FIELDS = ("department_codes", "wake_key", "n_items", "item_parts", "items_digest")

ANALYSIS = {"analyzer": {"yuqing_whitespace": {"type": "custom", "tokenizer": "whitespace"}}}

ITEM_MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "id": KW,
        "schema_version": INT,
        "source_type": KW,
        "source_name": KW,
        "url": KW,
        "title": TEXT_KW,
        "text": TEXT,
        "text_seg": SEGMENTED,
        "published_at": DATE,
        "crawled_at": DATE,
        "updated_at": DATE,
        "author": KW,
        "parent_id": KW,
        "superior_request": {"type": "boolean"},
        "metrics": {"properties": {"views": INT, "replies": INT, "reposts": INT, "likes": INT}},
        "profile": KW,
        "relevant": {"type": "boolean"},
        "categories": KW,
        "sentiment": KW,
        "risk": INT,
        "importance": KW,
        "severity": KW,
        "jurisdiction": JURISDICTION,
        "departments": DEPARTMENT,
        "department_codes": KW,
        "event_id": KW,
        "same_event_as": KW,
        "explanation": TEXT,
        "watches": KW,
    },
}

CLOCK = {
    "properties": {
        "name": KW,
        "due_at": DATE,
        "met_at": DATE,
        "state": KW,
        "rule": KW,
        "started_at": DATE,
    }
}

CASE_MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "case_id": KW,
        "schema_version": INT,
        "profile": KW,
        "event_id": KW,
        "title": TEXT_KW,
        "categories": KW,
        "severity": KW,
        "importance": KW,
        "risk": INT,
        "jurisdiction": JURISDICTION,
        "lead_department": DEPARTMENT,
        "co_departments": DEPARTMENT,
        "department_codes": KW,
        "status": KW,
        "items": KW,
        "responses": {
            "properties": {
                "id": KW,
                "kind": KW,
                "text": TEXT,
                "url": KW,
                "published_at": DATE,
                "department": {"properties": {"code": KW}},
                "actor": KW,
            }
        },
        "clocks": CLOCK,
        "timeline": {"properties": {"at": DATE, "actor": KW, "what": TEXT}},
        "police_handover": {"properties": {"to": KW, "at": DATE, "evidence": KW}},
        "detected_at": DATE,
        "opened_at": DATE,
        "confirmed_at": DATE,
        "dismissed_reason": TEXT,
        "version": INT,
        "wake_key": KW,  # the clock tick's queue (storage/base.py wake_key)
        "n_items": INT,  # how many evidence ids (the ids themselves: CASE_ITEMS_MAPPING)
    },
}

# one part of a case's evidence ids (es_case_items.py): analysts can still find an item's case
CASE_ITEMS_MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {"case_id": KW, "start": INT, "ids": KW},
}

FINDING_MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "finding_id": KW,
        "kind": KW,
        "source": KW,
        "detail": TEXT,
        "found_at": DATE,
        "severity": KW,
        "url": KW,
        "profile": KW,
    },
}

STATE_MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {"ns": KW, "key": KW, "expires_at": {"type": "double"}},
}


def templates(prefix: str, replicas: int = 0) -> dict[str, dict[str, Any]]:
    """Index templates by name: items are monthly indices, the rest one index each;
    `replicas` copies of each on other nodes (0 keeps a one-node cluster green)."""
    specs = {
        "items": (f"{prefix}-items-*", ITEM_MAPPING),
        "cases": (f"{prefix}-cases", CASE_MAPPING),
        "case-items": (f"{prefix}-case-items", CASE_ITEMS_MAPPING),
        "findings": (f"{prefix}-findings", FINDING_MAPPING),
        "state": (f"{prefix}-state", STATE_MAPPING),
    }
    return {
        f"{prefix}-{name}": {
            "index_patterns": [pattern],
            "template": {
                "settings": {
                    "number_of_shards": 1,
                    "number_of_replicas": replicas,
                    "analysis": ANALYSIS,
                },
                "mappings": mapping,
            },
            "priority": 200,
        }
        for name, (pattern, mapping) in specs.items()
    }


ILM_POLICY_FILE = (
    Path(__file__).resolve().parents[2] / "deploy" / "elasticsearch" / "ilm-policy.json"
)


def ilm_policy() -> dict[str, Any]:
    return json.loads(ILM_POLICY_FILE.read_text(encoding="utf-8"))["policy"]


def install_templates(es: Any, prefix: str, ilm: bool = False, replicas: int = 0) -> None:
    """Install (or update) every template; indices are then created on first write. With
    `ilm`, the lifecycle policy is installed and attached to the item indices (a real
    cluster; the test server has no ILM API)."""
    specs = templates(prefix, replicas)
    if ilm:
        policy_name = f"{prefix}-items"
        es.ilm.put_lifecycle(name=policy_name, policy=ilm_policy())
        settings = specs[f"{prefix}-items"]["template"]["settings"]
        settings["index.lifecycle.name"] = policy_name
    for name, body in specs.items():
        es.indices.put_index_template(name=name, **body)
    for fixed in ("cases", "case-items", "findings", "state"):
        index = f"{prefix}-{fixed}"
        if not es.indices.exists(index=index):
            try:
                es.indices.create(index=index)
            except Exception as exc:  # another process created it first
                if "resource_already_exists" not in str(exc):
                    raise
        elif fixed == "cases":  # an index made before `wake_key` or `n_items`: add them
            es.indices.put_mapping(index=index, properties={"wake_key": KW, "n_items": INT})
        elif fixed == "findings":  # an index made before a finding's `profile`
            es.indices.put_mapping(index=index, properties={"profile": KW})
