"""Which departments answer: lead first, then co (seeds 000, 001: 属地管理、分级负责、谁主管谁负责).

Evidence per department: being named (a name or alias in the text) outweighs duty keywords
(profile `keywords`). Then the rules of the seeds: the town government is co under 属地管理
(or leads when no competent department is found); a vertically managed lead is coordinated
by its superior with the county propaganda department (000); rumours go to the police and
the cyberspace office (001); emergencies bring in 应急管理局; with no department found the
government office coordinates (000). A proposal: a monitor confirms it on the case.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from classifiers.lexicon import Hit, LexiconMatcher
from classifiers.rules.prefilter import PatternGates, PrefilteredPattern
from pipeline.models import DepartmentRef, Jurisdiction
from pipeline.profile import Department, JurisdictionProfile

NAMED_WEIGHT = 3
MAX_KEYWORD_CO = 2
# A model's lead may be this pseudo code instead of one town government's: "no county
# department covers it, the place's government leads" (docs/routing.md, rule 3). The town
# is then the item's place (gazetteer or town head); at county level the government office
# coordinates (seed 000). One class for the ten towns pools their examples.
TOWN_LEAD = "@town"
# 谁处置谁发声 (docs/routing.md, rule 2): an item that is a department's own act — a reply
# "答复（县交通运输局）", a notice "定安县教育局关于…", a statement "定安警方：…" — is led by it.
_ANSWER = re.compile(r"答复（([^）]{2,16})）")
_HEADLINE = re.compile(
    r"^(?:中共)?(?:定安县?)?([^，。、：:\s“”]{2,14}?"
    r"(?:局|委员会|委|大队|办公室|人民政府|镇政府|警方|公安|疾控中心|网信办|宣传部))"
    r"(?:关于|：|:|回应|通报|提醒|发布)"
)

# Off: grouped CV on train rose (lead 0.833 → 0.864) but the blind test split fell (0.840 →
# 0.829), and a change replaces the running one only if it is not worse there (issue #6).
# They are features of the lead head instead (classifiers/situations.py).
SITUATION_LEADS = False
# On, the rules' own lead (no model lead given: the analysis's `rlead` feature, the rules
# baseline) would follow the guide's situations, a model's lead never overridden. Off:
# grouped CV on train rose (lead 0.858 → 0.862; with the duty keywords of docs/routing.md
# 0.878) but a model retrained so scored lead 0.829 on the test split against the running
# model's 0.840 (issue #6, docs/routing.md).
SITUATION_RULE_LEAD = False
# The recurring situations of docs/routing.md ("Recurring situations") whose lead a text's
# words fix: (pattern, exclusion or None, lead, the guide's row). The first that matches
# leads, after a department's own act (rule 2) and before the model's or the keywords' lead
# (a model learns the words, not the guide's choice between two competent departments:
# school vans, banquet poisoning, landslides with or without casualties…). Checked on the
# training files: each pattern's lead agrees with the labels (tests/classifiers/rules).
_NO_CASUALTY = re.compile(r"(?:未|没有?人?|无|暂无)(?:造成)?(?:人员)?(?:伤亡|受伤|死亡|遇难)")
_CASUALTY = re.compile(r"遇难|死亡|身亡|丧生|被埋|受伤|伤亡")
# (compiled as `PrefilteredPattern`s: a text without a pattern's leading words is not
# searched further, which makes the 18 rows 2–3× cheaper on an ordinary item)
SITUATIONS: tuple[tuple[PrefilteredPattern, PrefilteredPattern | None, str, str], ...] = tuple(
    (PrefilteredPattern(p), PrefilteredPattern(x) if x else None, lead, row)
    for p, x, lead, row in (
        (
            r"他杀|抢小孩|抓小孩|拐卖儿童|扎人|毒糖|迷药",
            None,
            "public_security",
            "rumour about a crime",
        ),
        (
            r"(?:校车|接送车|面包车|三轮车)[^。！？!?]{0,30}(?:超员|超载|侧翻|翻车|塞了)"
            r"|(?:超员|超载)[^。！？!?]{0,20}(?:校车|接送车)",
            None,
            "public_security",
            "overloaded school or kindergarten van",
        ),
        (
            r"(?:水厂|水井|井水|自来水|水库)[^。！？!?]{0,12}投毒|投毒[^。！？!?]{0,12}(?:水厂|水井|井水|自来水)",
            r"拘留",
            "water",
            "rumour about water supply",
        ),
        (
            r"溺水|溺亡|淹死",
            None,
            "@drowning",
            "drowning: pupils → education, scenic area → tourism_culture, else emergency",
        ),
        (
            r"车祸|交通事故|(?:货车|大车|面包车|摩托车|小车)[^。！？!?]{0,10}(?:失控|相撞|撞[死伤了]|侧翻|翻车)",
            r"台风|洪水",
            "public_security",
            "road traffic accident",
        ),
        (r"营养餐", None, "education", "school nutrition-meal cut"),
        (
            r"(?:小卖部|商店|超市)[^。！？!?]{0,20}(?:买烟|卖烟|香烟|烟酒|啤酒)"
            r"|(?:向|给)未成年人[^。！？!?]{0,6}(?:卖|售)",
            r"网吧",
            "market_regulation",
            "selling cigarettes or alcohol to minors",
        ),
        (
            r"过期[^。！？!?，,]{0,10}(?:牛奶|食品|食材|面包|零食)|(?:牛奶|食品|食材)[^。！？!?，,]{0,6}过期",
            r"营养餐|药",
            "market_regulation",
            "expired or spoiled food",
        ),
        (
            r"危房[^。！？!?]{0,20}(?:塌|倒)|(?:瓦房|老房|民房|房子)[^。！？!?]{0,6}(?:塌了|倒塌|坍塌)"
            r"|塌房|脚手架[^。！？!?]{0,6}(?:坍塌|倒塌|垮)",
            r"台风|滑坡|塌方|爆炸|地震",
            "housing",
            "collapse of a dilapidated house or scaffolding",
        ),
        (
            r"停电",
            r"台风|暴雨|洪|灾|地震",
            TOWN_LEAD,
            "power cut outside a disaster",
        ),
        (
            r"食物中毒|食源性|地沟油|(?:喜酒|宴席|酒席|婚宴|吃席)[^。！？!?]{0,40}"
            r"(?:拉肚子|上吐下泻|呕吐|腹泻)",
            r"诺如|登革热|传染病",
            "market_regulation",
            "food poisoning anywhere",
        ),
        (
            r"(?:药店|药房)[^。！？!?]{0,30}(?:假药|过期|假[^。！？!?]{0,4}药)",
            None,
            "market_regulation",
            "fake or expired drugs sold by a pharmacy",
        ),
        (
            r"电梯[^。！？!?]{0,10}(?:下坠|坠落|溜梯|冲顶)",
            None,
            "market_regulation",
            "lift falling (special equipment)",
        ),
        (
            r"(?:滑坡|塌方|泥石流)",
            r"预警|溃坝|大坝|谣",
            "@landslide",
            "landslide: casualties → emergency, none → natural_resources",
        ),
        (
            r"内涝|(?:暴雨|大雨|强降雨)[^。！？!?]{0,60}(?:排水|下水道)"
            r"|(?:排水|下水道)[^。！？!?]{0,60}(?:暴雨|大雨|积水|淹)",
            r"台风|洪水|应急响应|三防|低洼|被困|救援|登革热",
            "water",
            "urban waterlogging from drainage",
        ),
        (r"冰雹|雷击|打雷劈|雷电", r"台风", "meteorology", "lightning, hail"),
        (
            r"集体上访|群体上访|联名上访|一起去县?信访局",
            None,
            "petition",
            "group petition to the 信访局",
        ),
        (
            r"确权|土地承包|承包经营权|土地流转",
            r"征地|征收|拆迁|信访",
            "agriculture",
            "land contract, 确权, 流转",
        ),
    )
)


# each row's name for a monitor (docs/routing.md "Recurring situations"), by the row's own
# description: `sit:<n>` is the row's position, the name follows the row if rows move
ROW_NAMES = {
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


def situation_lead(lead: str, head: str) -> str:
    """A row's lead, the guide's two conditional rows (drowning, landslide) resolved."""
    if lead == "@drowning":
        if re.search(r"南丽湖|景区", head):
            return "tourism_culture"
        if re.search(r"学生|小学|中学|孩子|儿童|小孩|男孩|女孩", head):
            return "education"
        return "emergency"
    if lead == "@landslide":
        casualty = _CASUALTY.search(_NO_CASUALTY.sub("", head))
        return "emergency" if casualty else "natural_resources"
    return lead


_SITUATION_GATES = PatternGates([pattern for pattern, *_ in SITUATIONS])


def situation_rows(head: str) -> list[int]:
    """The positions in SITUATIONS of every row `head` is (its pattern matches, its exclusion
    does not), in order; the rows' leading words are looked for in one pass."""
    return list(_situation_rows(head))


@lru_cache(maxsize=512)
def _situation_rows(head: str) -> tuple[int, ...]:
    """`situation_rows`, remembered (~24 µs a text): an item asks twice for its text, for
    the rules' lead (`route`) and for its features (situations.py), a batch apart."""
    return tuple(
        n
        for n in _SITUATION_GATES.matching(head)
        if not ((exclude := SITUATIONS[n][1]) and exclude.search(head))
    )


def situation(text: str) -> tuple[str, str] | None:
    """(lead, the guide's row) of the first recurring situation the text is, or None."""
    head = text[:3_000]
    for n in situation_rows(head)[:1]:
        _pattern, _exclude, lead, row = SITUATIONS[n]
        return situation_lead(lead, head), row
    return None


@dataclass
class DepartmentEvidence:
    named: dict[str, list[str]]
    keywords: dict[str, list[str]]
    scores: dict[str, int] = field(default_factory=dict)
    ranked: list[str] = field(default_factory=list)
    # (text, its speaker): `route` runs twice per item on the same text (the analysis, then
    # the model's lead), and the speaker search is its costliest part
    spoke: tuple[str, str | None] | None = field(default=None, repr=False, compare=False)


class DepartmentRouter:
    def __init__(
        self,
        profile: JurisdictionProfile,
        situation_leads: bool = SITUATION_LEADS,
        rule_situations: bool = SITUATION_RULE_LEAD,
    ):
        self.profile = profile
        self.situation_leads = situation_leads  # the guide's recurring situations fix the lead
        self.rule_situations = rule_situations  # … the rules' own lead only
        self.by_code = {d.code: d for d in profile.departments}
        self._town_gov = {t.code: self._find(f"{t.name}人民政府") for t in profile.towns}
        labels: dict[str, list[str]] = defaultdict(list)
        for d in profile.departments:
            for name in {d.name, d.short, *d.aliases} - {""}:
                labels[name].append(f"name:{d.code}")
            for kw in d.keywords:
                labels[kw].append(f"kw:{d.code}")
        self._matcher = LexiconMatcher(labels)
        self._town_codes = {d.code for d in self._town_gov.values() if d}
        self._emergency = self._code("emergency")
        self._police = self._code("public_security")

    def _find(self, name: str) -> Department | None:
        return next((d for d in self.profile.departments if d.name == name), None)

    def _code(self, code: str) -> str | None:
        return code if code in self.by_code else None

    @property
    def matcher(self) -> LexiconMatcher:
        return self._matcher

    def speaker(self, text: str) -> str | None:
        """The department whose own act the text is (its reply, notice or statement): the
        one department named in "答复（…）" or at the head of the title or of the text."""
        found = _ANSWER.search(text, 0, 3_000)
        if found is None:
            title, _, body = text.partition("\n")
            found = _HEADLINE.search(title) or _HEADLINE.search(body[:60])
        if found is None:
            return None
        codes = {
            label.split(":", 1)[1]
            for hit in self._matcher.find(found.group(1))
            for label in hit.labels
            if label.startswith("name:")
        }
        return codes.pop() if len(codes) == 1 else None

    @property
    def town_codes(self) -> set[str]:
        """The codes of the town governments (属地管理)."""
        return set(self._town_codes)

    def evidence(self, text: str, hits: list[Hit] | None = None) -> DepartmentEvidence:
        """Departments named in the text and those whose duty keywords occur, ranked."""
        ev = DepartmentEvidence(defaultdict(list), defaultdict(list))
        first: dict[str, int] = {}
        for hit in self._matcher.find(text) if hits is None else hits:
            for label in hit.labels:
                kind, code = label.split(":", 1)
                first.setdefault(code, hit.start)
                bucket = ev.named if kind == "name" else ev.keywords
                if hit.word not in bucket[code]:
                    bucket[code].append(hit.word)
        ev.scores = {
            c: NAMED_WEIGHT * len(ev.named.get(c, [])) + len(ev.keywords.get(c, []))
            for c in dict.fromkeys([*ev.named, *ev.keywords])  # not a set: same order each run
            if c not in self._town_codes
        }
        # ties: the department the text comes to first is usually its subject (then the
        # named before the keyword-only, in the order of the hit's labels: never hash order)
        ev.ranked = sorted(ev.scores, key=lambda c: (-ev.scores[c], first[c]))
        return ev

    def route(
        self,
        text: str,
        categories: list[str],
        place: Jurisdiction,
        severity: str | None,
        hits: list[Hit] | None = None,
        lead: tuple[str, str] | None = None,
        evidence: DepartmentEvidence | None = None,
    ) -> list[DepartmentRef]:
        """Lead first, then co. `lead` = (code, why) imposes the lead (a model's choice); the
        rules of the seeds still add the co-departments."""
        ev = evidence if evidence is not None else self.evidence(text, hits)
        named, keywords, scores, ranked = ev.named, ev.keywords, ev.scores, ev.ranked
        town_gov = self._town_gov.get(place.code) if place.level == "town" else None
        refs: dict[str, DepartmentRef] = {}

        def add(code: str | None, role: str, why: str) -> None:
            if code and code in self.by_code and code not in refs:
                refs[code] = department_ref(code, self.by_code[code].name, role, why)

        if ev.spoke is None or ev.spoke[0] != text:
            ev.spoke = (text, self.speaker(text))
        spoke = ev.spoke[1]
        by_guide = self.situation_leads or (lead is None and self.rule_situations)
        found = situation(text) if by_guide else None
        if spoke is not None and spoke in self.by_code:
            lead = (
                spoke,
                f"文中点名：{self.by_code[spoke].name}（本部门答复或发布，谁处置谁发声）",
            )
        elif found is not None and (found[0] in self.by_code or found[0] == TOWN_LEAD):
            row = ROW_NAMES.get(found[1], found[1])
            lead = (found[0], f"职责关键词：处置指南“{row}”（谁主管谁负责）")
        if lead is not None and lead[0] == TOWN_LEAD:
            if town_gov:
                add(
                    town_gov.code,
                    "lead",
                    f"属地管理：事发{place.name}，无县级主管部门（{lead[1]}）",
                )
            else:
                add(
                    self.profile.government_office,
                    "lead",
                    f"无主管部门：县政府办公室组织协调（种子000；{lead[1]}）",
                )
            lead = (next(iter(refs)), lead[1]) if refs else None
        if lead is not None and lead[0] in self.by_code:
            add(lead[0], "lead", lead[1])
            for code in ranked:
                if len(refs) > MAX_KEYWORD_CO or scores[code] * 2 < scores[ranked[0]]:
                    break
                add(code, "co", _evidence(named.get(code), keywords.get(code)))
        elif ranked:
            lead_code = ranked[0]
            add(lead_code, "lead", _evidence(named.get(lead_code), keywords.get(lead_code)))
            for code in ranked[1:]:
                if len(refs) > MAX_KEYWORD_CO or scores[code] * 2 < scores[lead_code]:
                    break
                add(code, "co", _evidence(named.get(code), keywords.get(code)))
        elif town_gov:
            add(town_gov.code, "lead", f"属地管理：事发{place.name}，未识别主管部门")
        else:
            add(
                self.profile.government_office,
                "lead",
                "未识别主管部门：县政府办公室会同宣传部门组织协调（种子000）",
            )
        if town_gov:
            add(town_gov.code, "co", f"属地管理：事发{place.name}")
        lead_dept = self.by_code[next(iter(refs))]
        if lead_dept.vertical:
            add(
                self.profile.news_office,
                "co",
                f"垂直管理：{lead_dept.superior or '上级部门'}办公室会同县委宣传部组织协调（种子000）",
            )
        if "rumor" in categories:
            add(self._police, "co", "造谣传谣：移交公安机关依法查处（种子001）")
            add(self.profile.news_office, "co", "造谣传谣：移交网络监管部门（网信办）（种子001）")
        if "emergency" in categories:
            add(self._emergency, "co", "突发事件处置：应急管理部门协同（种子000、001）")
        if severity == "especially_major":
            add(self.profile.government_office, "co", "特别重大：政府主要负责同志牵头（种子000）")
        return list(refs.values())


_REF_FIELDS = frozenset(DepartmentRef.model_fields)
_PLAIN_REF = {"code", "name", "role", "why"} == _REF_FIELDS and not DepartmentRef.model_config
_new_ref = DepartmentRef.__new__
_set = object.__setattr__


def department_ref(code: str, name: str, role: str, why: str) -> DepartmentRef:
    """`DepartmentRef(code=…, name=…, role=…, why=…)` without validating again what is valid
    already (profile codes and names, role "lead" or "co", a why string): ~2× faster."""
    if not _PLAIN_REF:
        return DepartmentRef(code=code, name=name, role=role, why=why)
    ref = _new_ref(DepartmentRef)
    _set(ref, "__dict__", {"code": code, "name": name, "role": role, "why": why})
    _set(ref, "__pydantic_fields_set__", set(_REF_FIELDS))
    _set(ref, "__pydantic_extra__", None)
    _set(ref, "__pydantic_private__", None)
    return ref


def _evidence(named: list[str] | None, keywords: list[str] | None) -> str:
    parts = []
    if named:
        parts.append(f"文中点名：{'、'.join(named[:3])}")
    if keywords:
        parts.append(f"职责关键词：{'、'.join(keywords[:4])}")
    return "；".join(parts)
