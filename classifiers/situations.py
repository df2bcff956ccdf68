"""The routing guide's recurring situations as features of the lead-department head.

docs/routing.md fixes the lead for situations where two departments are competent (a school
van overturned, poisoning at a banquet, a drowning…); `rules/departments.py` recognises them
(`SITUATIONS`). Imposing that lead over the model overfitted (issue #6: grouped CV up, the
blind test split down), so the detector's output is given to the model instead, as a block of
sparse features of its own (features.BLOCKS "situation"): which rows the text matches
(`sit:<n>`) and the lead each row names (`slead:<code>`). The model learns how far to trust
them; only the lead head sees this block (training.BLOCK_WEIGHTS).
"""

from __future__ import annotations

from classifiers.rules.departments import ROW_NAMES, SITUATIONS, situation_lead, situation_rows

PREFIXES = ("sit:", "slead:")  # the feature names of this block (features.py orders them last)
SCAN_CHARS = 3_000  # as `departments.situation`: the head of a long text
NAMES = ROW_NAMES  # each row's name for a monitor (rules/departments.py)


def situation_name(n: int) -> str | None:
    """The Chinese name of the guide's row `n` (`sit:<n>`), None when there is no such row."""
    if not 0 <= n < len(SITUATIONS):
        return None
    row = SITUATIONS[n][3]
    return NAMES.get(row, row)


def situation_features(text: str) -> list[str]:
    """`sit:<row>` and `slead:<code>` for every row of the guide the text matches."""
    head = text[:SCAN_CHARS]
    feats: list[str] = []
    for n in situation_rows(head):  # the rows' leading words found in one pass
        feats.append(f"sit:{n}")
        code = f"slead:{situation_lead(SITUATIONS[n][2], head)}"
        if code not in feats:
            feats.append(code)
    return feats
