"""DropFolderImporter: JSONL / CSV files dropped into a folder become Items; nothing is lost.

A file is read row by row; a good row is an Item (missing id, times and source fields filled
in), a bad row is written with its line number and reason to `rejected/<file>.rejected.jsonl`.
Once its items are durable the file moves to `done/` (`finish`), so a crash re-imports it
(ids are stable) instead of losing it. CSV columns are Item fields; `metrics.views`, `extra.x`
columns fill the nested objects. Rows are data only: never evaluated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from crawlers.items import now_iso
from pipeline.models import Item

SUFFIXES = (".jsonl", ".ndjson", ".csv")


@dataclass
class BadRow:
    file: str
    line: int
    error: str
    raw: str


def _nest(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value in (None, ""):
            continue
        head, _, tail = key.strip().partition(".")
        if tail:
            if head == "metrics":
                value = int(value) if str(value).strip().isdigit() else value
            out.setdefault(head, {})[tail] = value
        else:
            out[head] = value
    return out


class DropFolderImporter:
    """Reads the files waiting in `folder`; `defaults` fill source_type / source_name."""

    def __init__(self, folder: str | Path, defaults: dict[str, Any]):
        self.folder = Path(folder)
        self.defaults = defaults
        self.rejected: list[BadRow] = []

    def pending(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.suffix.lower() in SUFFIXES)

    def rows(self, path: Path) -> Iterator[tuple[int, str, dict[str, Any] | str]]:
        """(line number, raw text, parsed row or an error message) per data row."""
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        if path.suffix.lower() == ".csv":
            reader = csv.DictReader(io.StringIO(text, newline=""))
            for row in reader:
                raw = json.dumps(row, ensure_ascii=False)
                if None in row:
                    yield reader.line_num, raw, "more cells than header columns"
                else:
                    yield reader.line_num, raw, _nest(row)
            return
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                yield number, line, f"not JSON: {exc}"
                continue
            yield number, line, value if isinstance(value, dict) else "not a JSON object"

    def to_item(self, row: dict[str, Any]) -> Item:
        data = {**self.defaults, **row}
        data.setdefault("crawled_at", now_iso())
        data.setdefault("published_at", data["crawled_at"])
        if "id" not in data:
            basis = data.get("url") or f"{data.get('source_name')}|{data.get('text')}"
            data["id"] = hashlib.sha256(str(basis).encode("utf-8")).hexdigest()[:32]
        return Item.model_validate(data)

    def read(self, path: Path) -> Iterator[Item]:
        """The file's good rows as Items; bad rows are written aside as they are met."""
        for line, raw, row in self.rows(path):
            if isinstance(row, str):
                self.reject(path, line, row, raw)
                continue
            try:
                yield self.to_item(row)
            except ValidationError as exc:
                fields = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors()
                )
                self.reject(path, line, f"not a valid Item: {fields}", raw)

    def reject(self, path: Path, line: int, error: str, raw: str) -> None:
        bad = BadRow(path.name, line, error, raw)
        self.rejected.append(bad)
        target = self.folder / "rejected" / f"{path.name}.rejected.jsonl"
        target.parent.mkdir(exist_ok=True)
        with target.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(bad.__dict__, ensure_ascii=False) + "\n")

    def finish(self, path: Path) -> Path:
        """Move a fully imported file to done/ (a same-named earlier file is kept too)."""
        done = self.folder / "done"
        done.mkdir(exist_ok=True)
        target = done / path.name
        n = 1
        while target.exists():
            target = done / f"{path.stem}.{n}{path.suffix}"
            n += 1
        shutil.move(str(path), target)
        return target
