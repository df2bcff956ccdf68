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

from classifiers.rules.departments import SITUATIONS, situation_lead, situation_rows

PREFIXES = ("sit:", "slead:")  # the feature names of this block (features.py orders them last)
SCAN_CHARS = 3_000  # as `departments.situation`: the head of a long text
# each row's name for a monitor (docs/routing.md "Recurring situations"), by the row's own
# description: `sit:<n>` is the row's position, the name follows the row if rows move
NAMES = {
    "rumour about a crime": "抢小孩扎人等犯罪谣言",
    "overloaded school or kindergarten van": "校车或接送车超员侧翻",
    "rumour about water supply": "供水投毒谣言",
    "drowning: pupils → education, scenic area → tourism_culture, else emergency": "溺水",
    "road traffic accident": "道路交通事故",
    "school nutrition-meal cut": "学生营养餐被克扣",
    "selling cigarettes or alcohol to minors": "向未成年人售卖烟酒",
    "expired or spoiled food": "过期变质食品",
    "collapse of a dilapidated house or scaffolding": "危房或脚手架倒塌",
    "power cut outside a disaster": "非灾害停电",
    "food poisoning anywhere": "食物中毒",
    "fake or expired drugs sold by a pharmacy": "药店售卖假药过期药",
    "lift falling (special equipment)": "电梯下坠",
    "landslide: casualties → emergency, none → natural_resources": "山体滑坡塌方",
    "urban waterlogging from drainage": "城区排水内涝",
    "lightning, hail": "雷击冰雹",
    "group petition to the 信访局": "集体上访",
    "land contract, 确权, 流转": "土地承包确权流转",
}


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
