"""Figures of a classifier on labelled items, and their side-by-side table.

Relevance F1 (positive class: relevant), category micro- and macro-F1 over the five codes on
every item, lead-department accuracy on the items labelled relevant with a lead, town
accuracy on the items labelled relevant (town name, or none for the county level), and
per-class precision / recall / F1 for each of them. `lead_routed`: how often the labelled
lead is among the departments the case is routed to (lead or co), so that it is notified
even when another one leads; not a headline figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from classifiers.corpus import CorpusItem
from pipeline.models import CATEGORIES, ScoredItem

HEADLINE = ("relevance_f1", "category_micro_f1", "lead_accuracy", "town_accuracy")


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    def add(self, predicted: bool, wanted: bool) -> None:
        if predicted and wanted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif wanted:
            self.fn += 1


@dataclass
class Figures:
    n: int = 0
    relevance: PRF = field(default_factory=PRF)
    categories: dict[str, PRF] = field(default_factory=lambda: {c: PRF() for c in CATEGORIES})
    leads: dict[str, PRF] = field(default_factory=dict)
    towns: dict[str, PRF] = field(default_factory=dict)
    lead: Counter[str] = field(default_factory=Counter)  # right / total
    town: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def relevance_f1(self) -> float:
        return self.relevance.f1

    @property
    def category_micro_f1(self) -> float:
        total = PRF(
            *(sum(getattr(p, k) for p in self.categories.values()) for k in ("tp", "fp", "fn"))
        )
        return total.f1

    @property
    def category_macro_f1(self) -> float:
        return sum(p.f1 for p in self.categories.values()) / len(self.categories)

    @property
    def lead_accuracy(self) -> float:
        return self.lead["right"] / self.lead["total"] if self.lead["total"] else 0.0

    @property
    def lead_routed(self) -> float:
        return self.lead["routed"] / self.lead["total"] if self.lead["total"] else 0.0

    @property
    def town_accuracy(self) -> float:
        return self.town["right"] / self.town["total"] if self.town["total"] else 0.0

    @property
    def macro(self) -> float:
        """The mean of the four headline figures: what `yuqing train` compares."""
        return sum(getattr(self, k) for k in HEADLINE) / len(HEADLINE)

    def headline(self) -> dict[str, float]:
        keys = (*HEADLINE, "lead_routed", "category_macro_f1", "macro")
        return {k: round(getattr(self, k), 4) for k in keys}


def routed_to(s: ScoredItem) -> list[str]:
    """The department codes an item is routed to, lead first; none when found irrelevant."""
    return [d.code for d in s.departments] if s.relevant else []


def lead_of(s: ScoredItem) -> str | None:
    routed = routed_to(s)
    return routed[0] if routed else None


def _town_of(s: ScoredItem) -> str | None:
    return s.jurisdiction.name if s.relevant and s.jurisdiction.level == "town" else None


def measure(scored: Sequence[ScoredItem], gold: Sequence[CorpusItem]) -> Figures:
    f = Figures()
    for s, g in zip(scored, gold, strict=True):
        want = g.labels
        f.n += 1
        f.relevance.add(s.relevant, want.relevant)
        if s.relevant != want.relevant:
            f.errors.append(f"{g.id} relevant={s.relevant} want {want.relevant}: {s.explanation}")
        for code in CATEGORIES:
            f.categories[code].add(code in s.categories, code in want.categories)
        if set(s.categories) != set(want.categories):
            f.errors.append(f"{g.id} categories={s.categories} want {want.categories}")
        if not want.relevant:
            continue
        got_town = _town_of(s)
        f.town["total"] += 1
        f.town["right"] += got_town == want.town
        for name in {got_town, want.town} - {None}:
            f.towns.setdefault(name, PRF()).add(got_town == name, want.town == name)
        if got_town != want.town:
            f.errors.append(f"{g.id} town={got_town} want {want.town}")
        if want.lead_department:
            routed = routed_to(s)
            lead = routed[0] if routed else None
            f.lead["total"] += 1
            f.lead["right"] += lead == want.lead_department
            f.lead["routed"] += want.lead_department in routed
            for code in {lead, want.lead_department} - {None}:
                f.leads.setdefault(code, PRF()).add(lead == code, want.lead_department == code)
            if lead != want.lead_department:
                f.errors.append(f"{g.id} lead={lead} want {want.lead_department}")
    return f


def _row(label: str, a: PRF, b: PRF | None) -> str:
    cells = f"{a.precision:5.2f} {a.recall:5.2f} {a.f1:5.2f}"
    other = f"{b.precision:5.2f} {b.recall:5.2f} {b.f1:5.2f}" if b else " " * 17
    return f"  {label:22} {cells}   │ {other}   (n={a.tp + a.fn})"


def side_by_side(model: Figures, baseline: Figures, names: tuple[str, str]) -> str:
    """The per-class table and the headline figures of two classifiers."""
    lines = [
        f"items: {model.n}",
        f"  {'':22} {names[0]:^17}   │ {names[1]:^17}",
        f"  {'':22} {'P':>5} {'R':>5} {'F1':>5}   │ {'P':>5} {'R':>5} {'F1':>5}",
        "relevance",
        _row("relevant", model.relevance, baseline.relevance),
        "categories",
    ]
    lines += [_row(c, model.categories[c], baseline.categories[c]) for c in CATEGORIES]
    lines.append("lead department")
    lines += [_row(c, model.leads[c], baseline.leads.get(c)) for c in sorted(model.leads)]
    lines.append("town")
    lines += [_row(t, model.towns[t], baseline.towns.get(t)) for t in sorted(model.towns)]
    lines.append(f"\n  {'figure':22} {names[0]:>10} {names[1]:>10}")
    a, b = model.headline(), baseline.headline()
    lines += [f"  {k:22} {a[k]:10.4f} {b[k]:10.4f}" for k in a]
    return "\n".join(lines)
