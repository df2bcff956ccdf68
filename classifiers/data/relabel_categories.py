"""Apply the category guide (docs/categories.md) to the training files' category labels.

Hand corrections where the guide decides an item differently from its label: each names the
item, the codes to add or remove and the guide's rule. Only relevant items carry categories
(an irrelevant item is never given one). Idempotent; the test split is never read or written.
Run: python -m classifiers.data.relabel_categories [--check]
"""

from __future__ import annotations

import sys

from classifiers.data.relabeling import run_relabel
from pipeline.models import CATEGORIES

# item id → (codes to add, codes to remove, rule of docs/categories.md)
CHANGES: dict[str, tuple[list[str], list[str], str]] = {
    # a fabricated plan or status change that no policy backs is `rumor` only; 政策误解误读
    # needs a policy whose content people get wrong (benefits, fees, taxes, rules)
    "tr-a-0059": ([], ["policy_misread"], "a fake demolition notice: a rumour"),
    "tr-b-0344": ([], ["policy_misread"], "撤县设区 rumour: no policy is misread"),
    "tr-b-0345": ([], ["policy_misread"], "撤县设区 rumour: no policy is misread"),
    "tr-b-0346": ([], ["policy_misread"], "撤县设区 rumour: no policy is misread"),
    "tr-b-0466": ([], ["policy_misread"], "撤县设区 rumour: no policy is misread"),
    # the panic a rumour causes (people buying bottled water) is the rumour's effect, not a
    # public-interest matter of its own: the rest of the event is `rumor` only
    "tr-a-0052": ([], ["public_interest"], "the rumour's own panic is not public_interest"),
    # an item about the handling of an emergency (the aftermath of a mass food poisoning)
    # carries `emergency` with the rest of its event
    "tr-a-0103": (["emergency"], [], "aftermath of a mass food poisoning: emergency handling"),
    # with `emergency`, `public_interest` is added for a collective loss that outlasts or
    # follows the emergency (the guide's own examples: 干旱致3000余人饮水受影响, 灾后补助迟迟不到)
    "tr-c-0477": (["public_interest"], [], "drought: 3,000 people's drinking water affected"),
    "tr-c-0478": (["public_interest"], [], "the same drought's notice (rule 3: the event's codes)"),
    "tr-b-0064": (["public_interest"], [], "flood victims still in a school, relief not come"),
    "tr-b-0083": (["public_interest"], [], "houses unroofed, the promised relief not come"),
}


def relabel(row: dict) -> bool:
    """Apply the guide to one corpus row in place; True when it changed."""
    labels = row["labels"]
    before = list(labels.get("categories") or [])
    cats = list(before)
    change = CHANGES.get(row["id"])
    if change and labels["relevant"]:
        add, remove, _why = change
        cats = [c for c in cats if c not in remove] + [c for c in add if c not in cats]
    if not labels["relevant"]:
        cats = []
    labels["categories"] = [c for c in dict.fromkeys(cats) if c in CATEGORIES]
    return labels["categories"] != before


def main(argv: list[str]) -> int:
    return run_relabel(
        "python -m classifiers.data.relabel_categories", relabel, CHANGES, argv, show="categories"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
