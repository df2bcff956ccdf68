"""Training labels from 研判: a monitor's confirmation or correction of the proposed categories,
departments and town, and a dismissal as a false alarm.

Each label is written twice: into the state store namespace "labels" (key "CASE_ID@TIME"),
and as a line of DATA_DIR/labels/corrections.jsonl, the file the classifiers' trainer reads.
The store write decides: a label already stored is not appended again (a retried step).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.models import Case, TimelineEntry
from pipeline.storage.base import StateStore

LABELS = "labels"
LABEL_FILE = Path("labels") / "corrections.jsonl"
LABEL_EVENTS = ("confirmed", "dismissed")


def label_from(case: Case, entry: TimelineEntry) -> dict[str, Any]:
    """The label a `confirmed` or `dismissed` timeline entry stands for."""
    event = entry.detail["event"]
    before = entry.detail.get("before", {})
    after = entry.detail.get("after", before if event == "confirmed" else {})
    return {
        "case_id": case.case_id,
        "profile": case.profile,
        "event_id": case.event_id,
        "kind": "confirm" if event == "confirmed" else "dismiss",
        "at": entry.at,
        "actor": entry.actor,
        "corrected": bool(entry.detail.get("corrected", event == "dismissed")),
        "false_alarm": event == "dismissed",
        "reason": entry.detail.get("reason", entry.detail.get("note", "")),
        "before": before,
        "after": after,
        "items": list(entry.detail.get("items") or case.items),
        "title": case.title,
    }


def label_key(case_id: str, at: str) -> str:
    return f"{case_id}@{at}"


class LabelWriter:
    """Stores labels in the state store and appends them to the trainer's JSONL file."""

    def __init__(self, state: StateStore, data_dir: Path):
        self.state = state
        self.path = Path(data_dir) / LABEL_FILE

    def write(self, label: dict[str, Any]) -> bool:
        key = label_key(label["case_id"], label["at"])
        if self.state.get(LABELS, key) is not None:
            return False
        self.state.put_if_absent(LABELS, key, label)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(label, ensure_ascii=False) + "\n")
        return True

    def write_new(self, before: Case, after: Case) -> list[dict[str, Any]]:
        """Labels for the 研判 / dismissal entries `after` added to `before`'s timeline."""
        written = []
        for entry in after.timeline[len(before.timeline) :]:
            if entry.detail.get("event") in LABEL_EVENTS:
                label = label_from(after, entry)
                if self.write(label):
                    written.append(label)
        return written
