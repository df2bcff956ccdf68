"""The jurisdiction profile: the county, its towns, its departments and their duties.

Data the news office edits (deploy/profiles/*.yaml), not code. Loaded and validated here so
every stage reads the same thing and a mistake is reported with file and key.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.config import DEPLOY_DIR, ConfigError, describe_validation, load_yaml


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
        for key, code in refs:
            if code not in known:
                raise ValueError(f"{key}: unknown department code {code!r}")
        return self

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
