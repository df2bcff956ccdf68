"""Which departments answer: lead first, then co (seeds 000, 001: 属地管理、分级负责、谁主管谁负责).

Evidence per department: being named (a name or alias in the text) outweighs duty keywords
(profile `keywords`). Then the rules of the seeds: the town government is co under 属地管理
(or leads when no competent department is found); a vertically managed lead is coordinated
by its superior with the county propaganda department (000); rumours go to the police and
the cyberspace office (001); emergencies bring in 应急管理局; with no department found the
government office coordinates (000). A proposal: a monitor confirms it on the case.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from classifiers.lexicon import Hit, LexiconMatcher
from pipeline.models import DepartmentRef, Jurisdiction
from pipeline.profile import Department, JurisdictionProfile

NAMED_WEIGHT = 3
MAX_KEYWORD_CO = 2


@dataclass
class DepartmentEvidence:
    named: dict[str, list[str]]
    keywords: dict[str, list[str]]
    scores: dict[str, int] = field(default_factory=dict)
    ranked: list[str] = field(default_factory=list)


class DepartmentRouter:
    def __init__(self, profile: JurisdictionProfile):
        self.profile = profile
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
                refs[code] = DepartmentRef(
                    code=code, name=self.by_code[code].name, role=role, why=why
                )

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


def _evidence(named: list[str] | None, keywords: list[str] | None) -> str:
    parts = []
    if named:
        parts.append(f"文中点名：{'、'.join(named[:3])}")
    if keywords:
        parts.append(f"职责关键词：{'、'.join(keywords[:4])}")
    return "；".join(parts)
