"""The jurisdiction profile: the county, its towns, its departments and their duties.

Data the news office edits (deploy/profiles/*.yaml), not code. Loaded and validated here so
every stage reads the same thing and a mistake is reported with file and key.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.config import DEPLOY_DIR, ConfigError, Settings, describe_validation, load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Contact(_Strict):
    name: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""
    wecom: str = ""


class Department(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    short: str = ""
    aliases: list[str] = Field(default_factory=list)
    duties: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    vertical: bool = False  # 垂直管理: tax, meteorology, fire rescue
    superior: str = ""  # for vertical departments: the superior department that coordinates
    spokesperson: Contact = Field(default_factory=Contact)
    liaison: Contact = Field(default_factory=Contact)
    email: str = ""


class Village(_Strict):
    name: str
    kind: str = "village"  # village, community, landmark, road
    code: str = ""


class Town(_Strict):
    name: str
    code: str
    aliases: list[str] = Field(default_factory=list)
    villages: list[Village] = Field(default_factory=list)


class JointMeeting(_Strict):
    name: str
    lead: str
    members: list[str]
    spokesperson: Contact = Field(default_factory=Contact)
    liaison: Contact = Field(default_factory=Contact)


class Reach(_Strict):
    """How a person is reached: references the notify config and the dashboard resolve —
    never a phone number in the profile (personal data, seed 002)."""

    user: str = ""  # dashboard account (yuqing users add)
    wecom: str = ""  # WeCom (企业微信) user id
    dingtalk: str = ""  # DingTalk user id
    feishu: str = ""  # Feishu open id
    channel: str = ""  # a channel name of the notify config, e.g. leaders_dingtalk


class Leader(_Strict):
    """A county leader: the principal (县长 / 县委书记) or a leader in charge (分管县领导)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # stable, like a department code
    name: str
    title: str  # 县长, 常务副县长, 副县长, 县委常委、宣传部部长 …
    oversees: list[str] = Field(default_factory=list)  # department codes (分管部门)
    areas: list[str] = Field(default_factory=list)  # 分管领域, in words
    reach: Reach = Field(default_factory=Reach)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.title}）"


class OfficeContact(_Strict):
    """Who receives the immediate report (001: 县政府办、县委宣传部) in an office."""

    department: str  # department code
    name: str
    title: str = ""
    reach: Reach = Field(default_factory=Reach)


class Leadership(_Strict):
    """The named leaders: the escalation ladder and the report-up notice name them."""

    demo: bool = False  # placeholder names (张某某 …): replace before going live
    principal: Leader
    in_charge: list[Leader] = Field(default_factory=list)
    report_contacts: list[OfficeContact] = Field(default_factory=list)

    def references(self) -> list[tuple[str, str]]:
        """(key, department code) of every department this section names."""
        refs = [
            (f"leaders.principal.oversees.{j}", c) for j, c in enumerate(self.principal.oversees)
        ]
        for i, leader in enumerate(self.in_charge):
            refs += [
                (f"leaders.in_charge.{i}.oversees.{j}", c) for j, c in enumerate(leader.oversees)
            ]
        refs += [
            (f"leaders.report_contacts.{i}.department", c.department)
            for i, c in enumerate(self.report_contacts)
        ]
        return refs

    def problems(self, department_codes: set[str]) -> list[str]:
        """Duplicate ids, ids that are department codes, departments with two leaders."""
        found: list[str] = []
        ids = [self.principal.id, *(leader.id for leader in self.in_charge)]
        for i, lid in enumerate(ids):
            key = "leaders.principal.id" if i == 0 else f"leaders.in_charge.{i - 1}.id"
            if lid in ids[:i]:
                found.append(f"{key}: leader id {lid!r} is used twice")
            elif lid in department_codes:
                found.append(f"{key}: leader id {lid!r} is also a department code")
        seen: dict[str, str] = {}
        for i, leader in enumerate(self.in_charge):
            for code in leader.oversees:
                if code in seen and seen[code] != leader.id:
                    found.append(
                        f"leaders.in_charge.{i}.oversees: {code!r} is already overseen by "
                        f"{seen[code]!r} (one leader in charge per department)"
                    )
                seen.setdefault(code, leader.id)
        return found


class JurisdictionProfile(_Strict):
    """One monitored jurisdiction (contracts.md: the `profile` field of a ScoredItem)."""

    name: str  # profile id, e.g. "dingan"
    jurisdiction: str  # e.g. 定安县
    code: str  # administrative division code, e.g. 469021
    level: str = "county"
    province: str = ""
    city: str = ""
    aliases: list[str] = Field(default_factory=list)
    policy: str  # the policy profile for response clocks, e.g. dingan-2016
    news_office: str  # department code of the news office (宣传部/新闻办/网信办)
    government_office: str  # department code of the government office (政府办)
    towns: list[Town]
    departments: list[Department]
    joint_meeting: JointMeeting | None = None
    neighbours: list[str] = Field(default_factory=list)
    leaders: Leadership | None = None

    @model_validator(mode="after")
    def _references_exist(self) -> JurisdictionProfile:
        codes = [d.code for d in self.departments]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"department codes must be unique: {', '.join(dupes)}")
        known = set(codes)
        refs = [("news_office", self.news_office), ("government_office", self.government_office)]
        if self.joint_meeting:
            refs.append(("joint_meeting.lead", self.joint_meeting.lead))
            refs += [("joint_meeting.members", m) for m in self.joint_meeting.members]
        if self.leaders:
            refs += self.leaders.references()
        for key, code in refs:
            if code not in known:
                raise ValueError(f"{key}: unknown department code {code!r}")
        problems = self.leaders.problems(known) if self.leaders else []
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def leader_in_charge(self, department_code: str) -> Leader | None:
        """The leader in charge (分管县领导) of a department, or None when none is named."""
        if self.leaders is None:
            return None
        for leader in self.leaders.in_charge:
            if department_code in leader.oversees:
                return leader
        return None

    def principal_leader(self) -> Leader | None:
        return self.leaders.principal if self.leaders else None

    def report_contact(self, department_code: str) -> OfficeContact | None:
        """The named person of an office who receives the immediate report, if any."""
        if self.leaders is None:
            return None
        return next(
            (c for c in self.leaders.report_contacts if c.department == department_code), None
        )

    def department(self, code_or_name: str) -> Department:
        for d in self.departments:
            if code_or_name in (d.code, d.name, d.short) or code_or_name in d.aliases:
                return d
        raise KeyError(f"profile {self.name}: no department {code_or_name!r}")

    def town(self, code_or_name: str) -> Town:
        for t in self.towns:
            if code_or_name in (t.code, t.name) or code_or_name in t.aliases:
                return t
        raise KeyError(f"profile {self.name}: no town {code_or_name!r}")


def profile_path(name_or_path: str, base: Path | None = None) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate if candidate.is_absolute() or base is None else base / candidate
    return DEPLOY_DIR / "profiles" / f"{name_or_path}.yaml"


@cache
def _load(path: Path) -> JurisdictionProfile:
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        return JurisdictionProfile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, str(path))) from None


def load_profile(name_or_path: str, base: Path | None = None) -> JurisdictionProfile:
    """Load a jurisdiction profile by name (deploy/profiles/NAME.yaml) or path; cached."""
    return _load(profile_path(name_or_path, base).resolve())


def _configured(settings: Settings, key: str, name: str) -> JurisdictionProfile:
    """One profile the config names, or a ConfigError naming the config file and the key."""
    base = settings.source.parent if settings.source else None
    where = settings.source or "the configuration"
    path = profile_path(name, base)
    if not path.exists():
        raise ConfigError(
            f"{where}: {key}: unknown jurisdiction profile {name!r} (no file {path}; "
            f"known: {', '.join(sorted(p.stem for p in (DEPLOY_DIR / 'profiles').glob('*.yaml')))})"
        )
    return load_profile(name, base)


def configured_profiles(settings: Settings) -> list[JurisdictionProfile]:
    """Every monitored profile, the default first; each must load and have its own name."""
    keys = (
        ["profile"]
        if not settings.profiles
        else [f"profiles.{settings.profiles.index(n)}" for n in settings.profile_names]
    )
    loaded = [
        _configured(settings, k, n) for k, n in zip(keys, settings.profile_names, strict=True)
    ]
    names = [p.name for p in loaded]
    for key, profile in zip(keys, loaded, strict=True):
        if names.count(profile.name) > 1:
            raise ConfigError(
                f"{settings.source}: {key}: two profiles are named {profile.name!r} (`name:`)"
            )
    return loaded


def superior_profile(settings: Settings) -> JurisdictionProfile | None:
    """The level above (city / province) whose departments lead cross-county events, if any."""
    if settings.superior is None:
        return None
    superior = _configured(settings, "superior", settings.superior)
    if superior.name in settings.profile_names:
        raise ConfigError(f"{settings.source}: superior: {superior.name!r} is also monitored")
    return superior
