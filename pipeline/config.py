"""The deployment's configuration: one YAML file plus environment overrides, validated at start.

An error names the file, the key and what was expected. Environment variables override the
file for every command: YUQING_BUS (`sqlite` or `kafka://HOST:PORT[,…]`), YUQING_STORE
(`sqlite` or `http(s)://HOST:PORT` of Elasticsearch) and YUQING_DATA (the data folder).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = PROJECT_ROOT / "deploy"
DEFAULT_CONFIG = DEPLOY_DIR / "yuqing.yaml"


class ConfigError(ValueError):
    """A configuration problem, phrased for the person who edits the file."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StageConfig(Strict):
    """One stage: the class that implements it, and its own options (checked by the stage)."""

    model_config = ConfigDict(extra="allow")

    enabled: bool = True
    cls: str = Field(alias="class")
    batch_size: int = Field(default=200, ge=1, le=100_000)
    poll_timeout_s: float = Field(default=1.0, gt=0)
    # copies `yuqing run` starts in one consumer group: they share the partitions (a
    # stage's topic has 4, so more than 4 copies would idle)
    processes: int = Field(default=1, ge=1, le=16)

    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class WebConfig(Strict):
    """The dashboard (`yuqing web`, also started by `yuqing run`)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8620, ge=1, le=65535)


class Settings(Strict):
    data_dir: Path = Path("data")
    profile: str = "dingan"  # the default profile (the first of `profiles` when those are given)
    # One deployment may monitor several jurisdictions (a city's counties): each its own
    # profile; `superior` (optional) is the level above whose departments lead events that
    # span counties (seed 000). pipeline.profile.configured_profiles loads and checks them.
    profiles: list[str] = Field(default_factory=list)
    superior: str | None = None
    bus: str = "sqlite"
    store: str = "sqlite"
    es_prefix: str = Field(default="yuqing", pattern=r"^[a-z0-9][a-z0-9_-]*$")  # index names
    # copies of each index on other nodes: 0 keeps a one-node cluster green; 1+ for a cluster
    es_replicas: int = Field(default=0, ge=0, le=10)
    # how long a silent Kafka consumer keeps its partitions (a stage paused by a long batch or
    # a slow disk must not lose them; a dead one hands them over after this)
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1_000, le=300_000)
    tokenizer: str | None = None
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    stages: dict[str, StageConfig] = Field(default_factory=dict)
    web: WebConfig = Field(default_factory=WebConfig)
    demo_sites: str = "crawlers.demo:serve_demo_sites"  # what `yuqing demo` serves
    # A fixed port keeps the demo's item ids (hashed from URLs) stable across runs on the same
    # --data; 0, or a busy port, takes any free one.
    demo_port: int = Field(default=8621, ge=0, le=65535)
    demo_stages: list[str] = Field(default_factory=lambda: ["crawl", "classify", "alert"])
    source: Path | None = Field(default=None, exclude=True)

    @field_validator("bus")
    @classmethod
    def _bus_url(cls, v: str) -> str:
        if v != "sqlite" and not v.startswith("kafka://"):
            raise ValueError("expected 'sqlite' or 'kafka://HOST:PORT[,HOST:PORT…]'")
        return v

    @field_validator("store")
    @classmethod
    def _store_url(cls, v: str) -> str:
        if v != "sqlite" and not v.startswith(("http://", "https://")):
            raise ValueError("expected 'sqlite' or 'http(s)://HOST:PORT' of Elasticsearch")
        return v

    @model_validator(mode="after")
    def _profiles(self) -> Settings:
        if not self.profiles:
            return self
        dupes = sorted({p for p in self.profiles if self.profiles.count(p) > 1})
        if dupes:
            raise ValueError(f"profiles: listed twice: {', '.join(dupes)}")
        if "profile" not in self.model_fields_set:
            self.profile = self.profiles[0]
        elif self.profile not in self.profiles:
            raise ValueError(f"profile: {self.profile!r} is not one of profiles {self.profiles}")
        if self.superior is not None and self.superior in self.profiles:
            raise ValueError(f"superior: {self.superior!r} is also one of profiles")
        return self

    @property
    def profile_names(self) -> list[str]:
        """The monitored profiles, the default first (one unless `profiles` is given)."""
        if not self.profiles:
            return [self.profile]
        return [self.profile, *(p for p in self.profiles if p != self.profile)]

    @property
    def bus_path(self) -> Path:
        return self.data_dir / "bus.sqlite"

    @property
    def store_path(self) -> Path:
        return self.data_dir / "store.sqlite"

    def stage(self, name: str) -> StageConfig:
        try:
            return self.stages[name]
        except KeyError:
            where = self.source or "the configuration"
            raise ConfigError(
                f"{where}: stages.{name}: no such stage (configured: {', '.join(self.stages)})"
            ) from None


def _describe(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{source}: {key}: {msg}")
    return "\n".join(lines)


def load_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}:{where}: not valid YAML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


def load_settings(
    path: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
) -> Settings:
    """Read the config file (default: $YUQING_CONFIG, else deploy/yuqing.yaml), apply the
    environment and an explicit --data, validate, and return the settings."""
    env = dict(os.environ if env is None else env)
    path = Path(path or env.get("YUQING_CONFIG") or DEFAULT_CONFIG)
    raw = load_yaml(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    if env.get("YUQING_BUS"):
        raw["bus"] = env["YUQING_BUS"]
    if env.get("YUQING_STORE"):
        raw["store"] = env["YUQING_STORE"]
    if env.get("YUQING_DATA"):
        raw["data_dir"] = env["YUQING_DATA"]
    if data_dir is not None:
        raw["data_dir"] = str(data_dir)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, str(path))) from None
    settings.source = path
    if not settings.data_dir.is_absolute() and data_dir is None and not env.get("YUQING_DATA"):
        settings.data_dir = Path.cwd() / settings.data_dir
    settings.data_dir = settings.data_dir.resolve()
    return settings


def describe_validation(exc: ValidationError, source: str) -> str:
    """Public form of the error formatter, for other data files (profiles, sources)."""
    return _describe(exc, source)
