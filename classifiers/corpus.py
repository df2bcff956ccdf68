"""The labelled corpus (classifiers/data/corpus/*.jsonl): schema, validation and loading.

One JSON object per line (schema in classifiers/data/corpus/README.md). `CorpusLoader`
validates every line against the schema and against the profile (towns, department codes),
and reports a bad line as `CorpusError("FILE:LINE: what is wrong")`. With `strict=False` bad
lines are collected in `loader.errors` and skipped instead (a file still being written may
end in a half line).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.models import CATEGORIES, Category, Item, Metrics, Severity, SourceType
from pipeline.profile import JurisdictionProfile

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"
DEFAULT_TIME = "2026-11-20T10:00:00+08:00"
STYLES = (
    "forum",
    "weibo",
    "wechat",
    "douyin",
    "hotline",
    "news",
    "news_comment",
    "gov_notice",
    "blog",
    "traditional",
    "noisy",
)


class CorpusError(ValueError):
    """A corpus line that does not follow the schema; the message starts with FILE:LINE."""


class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid")

    relevant: bool
    categories: list[Category] = Field(default_factory=list)
    town: str | None = None
    lead_department: str | None = None
    co_departments: list[str] = Field(default_factory=list)
    severity: Severity | None = None
    sentiment: Literal["negative", "neutral", "positive"] = "neutral"

    @model_validator(mode="after")
    def _consistent(self) -> Labels:
        if not self.relevant and (self.categories or self.lead_department):
            raise ValueError("an irrelevant item has no categories and no lead department")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError("categories repeat a code")
        return self


class CorpusItem(BaseModel):
    """One labelled item of the corpus."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    split: Literal["train", "test"]
    style: str = ""
    source_type: SourceType
    source_name: str = ""
    title: str = ""
    text: str
    author: str | None = None
    metrics: Metrics | None = None
    url: str = ""
    published_at: str | None = None
    parent_id: str | None = None
    superior_request: bool | None = None
    labels: Labels
    event: str = Field(min_length=1)

    def to_item(self) -> Item:
        """The pipeline Item the classifier scores (labels and corpus fields left out)."""
        return Item(
            id=self.id,
            source_type=self.source_type,
            source_name=self.source_name,
            url=self.url,
            title=self.title,
            text=self.text,
            author=self.author,
            metrics=self.metrics,
            parent_id=self.parent_id,
            superior_request=self.superior_request,
            published_at=self.published_at or DEFAULT_TIME,
            crawled_at=self.published_at or DEFAULT_TIME,
        )


class CorpusLoader:
    """Reads corpus files, checks each line, and checks the labels against the profile."""

    def __init__(self, profile: JurisdictionProfile | None = None, strict: bool = True):
        self.strict = strict
        self.errors: list[str] = []
        self._towns = {t.name for t in profile.towns} if profile else None
        self._departments = {d.code for d in profile.departments} if profile else None

    def load(self, paths: Iterable[Path | str]) -> list[CorpusItem]:
        items: list[CorpusItem] = []
        seen: dict[str, str] = {}
        for path in paths:
            for item, where in self._read(Path(path)):
                if item.id in seen:
                    self._fail(f"{where}: id {item.id} already used at {seen[item.id]}")
                    continue
                seen[item.id] = where
                items.append(item)
        return items

    def load_split(self, split: str, folder: Path = CORPUS_DIR) -> list[CorpusItem]:
        """`train` → every train_*.jsonl; `test` → test.jsonl (missing files: none)."""
        pattern = "train_*.jsonl" if split == "train" else "test.jsonl"
        return self.load(sorted(folder.glob(pattern)))

    def _read(self, path: Path) -> Iterable[tuple[CorpusItem, str]]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            self._fail(f"{path}: cannot read: {exc}")
            return
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                item = self.parse(line)
            except (ValueError, ValidationError) as exc:
                self._fail(f"{where}: {_short(exc)}")
                continue
            yield item, where

    def parse(self, line: str) -> CorpusItem:
        try:
            data: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None
        if not isinstance(data, dict):
            raise ValueError("a line must be a JSON object")
        item = CorpusItem.model_validate(data)
        labels = item.labels
        if self._towns is not None and labels.town and labels.town not in self._towns:
            raise ValueError(f"labels.town: {labels.town!r} is not a town of the profile")
        if self._departments is not None:
            for code in [labels.lead_department, *labels.co_departments]:
                if code and code not in self._departments:
                    raise ValueError(f"labels: unknown department code {code!r}")
        return item

    def _fail(self, message: str) -> None:
        if self.strict:
            raise CorpusError(message)
        self.errors.append(message)


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors()[:3]:
            loc = ".".join(str(p) for p in err["loc"]) or "line"
            parts.append(f"{loc}: {err['msg']}")
        return "; ".join(parts)
    return str(exc).splitlines()[0]


__all__ = ["CATEGORIES", "CORPUS_DIR", "CorpusError", "CorpusItem", "CorpusLoader", "Labels"]
