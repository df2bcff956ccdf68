"""The model's feature names as a monitor reads them in an explanation (issue #6).

The heads' rule features are codes (`sit:3`, `slead:water`, `rlead:water:default`,
`kw:health`, `place:strong`, `tshort:469021102`); the explanation names each in Chinese when
it is written: a routing-guide situation by its name (situations.py), a department or town by
its name in the profile, a flag by a short phrase. Words and character n-grams are shown as
they are, and so is any code this module does not know. Only names change, not the model.
"""

from __future__ import annotations

from classifiers.rules.departments import TOWN_LEAD
from classifiers.situations import situation_name
from pipeline.models import SOURCE_TYPE_NAMES
from pipeline.profile import JurisdictionProfile

CATEGORY_ZH = {
    "policy_misread": "政策误解误读",
    "public_interest": "公众切身利益",
    "moral_bottom_line": "冲击道德底线",
    "emergency": "突发事件",
    "rumor": "谣言",
}
SOURCE_ZH = SOURCE_TYPE_NAMES
FLAG_ZH = {
    "verdict:True": "规则判相关",
    "verdict:False": "规则判不相关",
    "place:strong": "本县地名",
    "place:weak": "本县村名/部门名",
    "place:foreign": "外地同名地名",
    "place:neighbour": "邻县市地名",
    "place:elsewhere": "外地地名",
    "reason:foreign": "规则：地名属外地",
    "reason:elsewhere": "规则：外地事件",
    "reason:mainly_outside": "规则：主要涉及外地",
    "reason:commercial": "规则：广告/娱乐",
    "reason:no_anchor": "规则：未提及本辖区",
    "reason:no_public": "规则：不涉及公共事务",
    "scale:count10": "涉及十人以上",
    "scale:count100": "涉及百人以上",
    "scale:several": "多处群体表述",
    "reach:none": "无传播数据",
}
_METRIC_ZH = {"views": "浏览", "replies": "回复", "reposts": "转发", "likes": "点赞", "max": "传播"}
# department-code features: the code's department named after the prefix's meaning
_DEPARTMENT_ZH = {"slead": "指引牵头", "rlead": "规则牵头", "rdept": "规则协办"}
_DEPARTMENT_ZH |= {"named": "点名", "kw": "职责词"}
_TOWN_ZH = {"rtown": "地名", "gtown": "定位", "tshort": "简称", "tsuffix": "简称", "seat": "县城"}


class FeatureLabeler:
    """`labeler(name)`: the Chinese label of one feature name, for one profile."""

    def __init__(self, profile: JurisdictionProfile):
        self.departments = {d.code: d.name for d in profile.departments}
        self.departments[TOWN_LEAD] = "属地镇政府"
        self.towns = {t.code: t.name for t in profile.towns}
        self.flags = dict(FLAG_ZH, **{"place:province": f"提及{profile.province or '本省'}"})

    def __call__(self, name: str) -> str:
        flag = self.flags.get(name)
        if flag is not None:
            return flag
        prefix, _, rest = name.partition(":")
        if not rest:
            return name  # a word or a character n-gram
        if prefix == "sit":
            found = situation_name(int(rest)) if rest.isdigit() else None
            return f"情形：{found}" if found else name
        if prefix in _DEPARTMENT_ZH:
            code, _, default = rest.partition(":")
            department = self.departments.get(code)
            if department is None:
                return name
            meaning = "规则默认牵头" if default == "default" else _DEPARTMENT_ZH[prefix]
            return f"{meaning}：{department}"
        if prefix in _TOWN_ZH:
            town = self.towns.get(rest)
            return f"{_TOWN_ZH[prefix]}：{town}" if town else name
        if prefix == "rcat" and rest in CATEGORY_ZH:
            return f"规则类别：{CATEGORY_ZH[rest]}"
        if prefix == "src" and rest in SOURCE_ZH:
            return f"来源：{SOURCE_ZH[rest]}"
        if prefix == "scale" and rest.startswith("w:"):
            return f"群体表述：{rest[2:]}"
        if prefix == "one":
            return f"个人表述：{rest}"
        if prefix == "reach":
            metric, _, decade = rest.partition(":")
            if metric in _METRIC_ZH and decade.isdigit():
                low = int(decade)
                return f"{_METRIC_ZH[metric]}量" + (f"≥{10**low}" if low else "<10")
        return name
