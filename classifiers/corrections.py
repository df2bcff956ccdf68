"""The office's own labels: monitors' corrections of cases (DATA/labels/corrections.jsonl).

The alerts stage appends one JSON object per confirmation, correction or dismissal. Read
defensively — unknown fields are ignored, a bad line is skipped and counted, the last line
about a case wins. Accepted shape (every field but the items optional):

    {"case_id": "c-1", "event_id": "ev-…", "at": "2026-11-20T10:00:00+08:00",
     "items": [{"id": "…", "title": "…", "text": "…", "source_type": "forum",
                "source_name": "定安论坛"}],          # or "texts": ["…"], "item_ids": ["…"]
     "relevant": true, "categories": ["public_interest"],
     "lead_department": "water",                      # or "departments": [{"code", "role"}]
     "town": "龙湖镇",                                 # a town name or code; null: the county
     "dismissed": false, "reason": "…"}               # or "status": "dismissed"

A dismissal (false alarm) trains as "not relevant, no category". Every item of a case gets
the case's labels; the case is one group, so cross-validation never splits it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from classifiers.corpus import DEFAULT_TIME
from classifiers.training import Example
from pipeline.models import CATEGORIES, SOURCE_TYPES, Item
from pipeline.profile import JurisdictionProfile

log = logging.getLogger("yuqing.classify.train")


def corrections_path(data_dir: Path) -> Path:
    return Path(data_dir) / "labels" / "corrections.jsonl"


class CorrectionsReader:
    def __init__(self, profile: JurisdictionProfile):
        self.profile = profile
        self.skipped: list[str] = []
        self._departments = {d.code for d in profile.departments}

    def read(self, path: Path) -> list[Example]:
        if not path.exists():
            return []
        cases: dict[str, list[Example]] = {}
        with open(path, encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    if not isinstance(data, dict):
                        raise ValueError("not an object")
                    key = str(data.get("case_id") or data.get("event_id") or f"line{lineno}")
                    examples = self._examples(data, key)
                except (ValueError, TypeError, KeyError) as exc:
                    self.skipped.append(f"{path}:{lineno}: {exc}")
                    continue
                if examples:
                    cases[key] = examples  # the last word about a case wins
        if self.skipped:
            log.warning(
                "corrections: %d line(s) skipped, e.g. %s", len(self.skipped), self.skipped[0]
            )
        return [e for examples in cases.values() for e in examples]

    def _examples(self, data: dict[str, Any], key: str) -> list[Example]:
        dismissed = bool(data.get("dismissed")) or data.get("status") == "dismissed"
        relevant = False if dismissed else bool(data.get("relevant", True))
        categories = [c for c in data.get("categories") or [] if c in CATEGORIES]
        lead = data.get("lead_department")
        if isinstance(lead, dict):
            lead = lead.get("code")
        if not lead:
            for d in data.get("departments") or []:
                code = d.get("code") if isinstance(d, dict) else d
                if code and (not isinstance(d, dict) or d.get("role", "lead") == "lead"):
                    lead = code
                    break
        lead = lead if lead in self._departments else None
        town = self._town(data.get("town"))
        if not relevant:
            categories, lead, town = [], None, None
        return [
            Example(item, relevant, categories, lead, town, f"case:{key}")
            for item in self._items(data, key)
        ]

    def _town(self, value: Any) -> str | None:
        if isinstance(value, dict):
            value = value.get("name") or value.get("code")
        if not value:
            return None
        try:
            return self.profile.town(str(value)).name
        except KeyError:
            return None

    @staticmethod
    def _items(data: dict[str, Any], key: str) -> list[Item]:
        raw = data.get("items") or []
        texts = data.get("texts") or data.get("item_texts") or []
        ids = data.get("item_ids") or []
        rows = [r for r in raw if isinstance(r, dict)]
        rows += [{"text": t, "id": ids[n] if n < len(ids) else None} for n, t in enumerate(texts)]
        items = []
        for n, r in enumerate(rows):
            if not str(r.get("text") or r.get("title") or "").strip():
                continue
            source = r.get("source_type")
            items.append(
                Item(
                    id=str(r.get("id") or f"{key}-{n}"),
                    source_type=source if source in SOURCE_TYPES else "other",
                    source_name=str(r.get("source_name") or ""),
                    title=str(r.get("title") or ""),
                    text=str(r.get("text") or ""),
                    published_at=DEFAULT_TIME,
                    crawled_at=DEFAULT_TIME,
                )
            )
        return items
