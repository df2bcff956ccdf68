"""Topics are declared once, here: name, record model, partitions, retention."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.models import Finding, Item, Record, ScoredItem

DAY = 86_400


@dataclass(frozen=True)
class Topic:
    name: str
    model: type[Record] | None
    partitions: int = 4
    retention_s: int | None = None  # None keeps messages forever

    def __str__(self) -> str:
        return self.name


# The raw topic holds unmasked personal data: it is kept only for a limited time (contracts.md).
ITEMS_RAW = Topic("items.raw", Item, partitions=4, retention_s=7 * DAY)
ITEMS_SCORED = Topic("items.scored", ScoredItem, partitions=4, retention_s=30 * DAY)
FINDINGS = Topic("findings", Finding, partitions=1, retention_s=90 * DAY)
# Poison messages: the original bytes with the error in the headers, for a person to look at.
DEAD_LETTER = Topic("dead-letter", None, partitions=1, retention_s=30 * DAY)

ALL_TOPICS: tuple[Topic, ...] = (ITEMS_RAW, ITEMS_SCORED, FINDINGS, DEAD_LETTER)
BY_NAME = {t.name: t for t in ALL_TOPICS}


def topic(name: str) -> Topic:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; declared: {', '.join(BY_NAME)}") from None
