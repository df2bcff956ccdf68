"""The sources file (deploy/sources/*.yaml): which sites to crawl, with which spider and how often.

`${VAR}` in URLs, paths and credentials is expanded from the environment (the demo sets
YUQING_DEMO_URL); an error names the file, the source and the key. Selectors are checked by the
spider kind's own model. Credentials are secrets: never printed, never logged.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from string import Template
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from pipeline.config import PROJECT_ROOT, ConfigError, describe_validation, load_yaml
from pipeline.models import SourceType

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(value: Any) -> float:
    """600, "600", "10m", "1h" → seconds."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"expected seconds or a duration like '10m', '1h'; got {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


class SourceConfig(BaseModel):
    """One source: a site (or a folder) crawled by one spider kind."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1)
    spider: str = Field(alias="kind", pattern=r"^[a-z_][a-z0-9_]*$")
    source_type: SourceType
    start_urls: list[str] = Field(default_factory=list)
    path: str | None = Field(default=None, description="a folder, for the drop_folder kind")
    # Schedule: every `interval`, or a crontab line (`cron: "*/10 * * * *"`), ± `jitter`.
    interval_s: float = Field(default=900.0, alias="interval", gt=0)
    cron: str | None = None
    jitter_s: float = Field(default=0.0, alias="jitter", ge=0)
    selectors: dict[str, Any] = Field(default_factory=dict)
    credentials: dict[str, SecretStr] = Field(default_factory=dict)
    max_pages: int = Field(default=20, ge=1, description="list pages followed per start URL")
    # Politeness and limits, applied as the spider's own Scrapy settings.
    download_delay_s: float = Field(default=1.0, ge=0, description="polite delay per request")
    concurrency_per_domain: int = Field(default=4, ge=1)
    obey_robots: bool = True
    retries: int = Field(default=2, ge=0)
    retry_backoff_s: float = Field(default=1.0, ge=0, description="first retry's delay; doubles")
    timeout_s: float = Field(default=30.0, gt=0)
    max_page_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # true: crawl private / loopback addresses (the demo, tests); a list of networks
    # ["10.8.0.0/16", "127.0.0.1"]: only those private addresses (an intranet portal).
    allow_private: bool | list[str] = False
    encoding: str | None = Field(default=None, description="force a page encoding")
    # Health: `source_down` when nothing was yielded for down_after × the interval.
    down_after: float = Field(default=3.0, gt=0)
    timezone: str = "Asia/Shanghai"
    enabled: bool = True
    # A multi-county deployment may pin a source to one jurisdiction profile (a county's own
    # portal); its items carry it as extra.profile and the classify stage scores them there.
    profile: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$")

    @field_validator("interval_s", "jitter_s", "timeout_s", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return parse_duration(value)

    @field_validator("cron")
    @classmethod
    def _crontab(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError(f"expected a 5-field crontab line; got {value!r}")
        return value

    @field_validator("allow_private")
    @classmethod
    def _networks(cls, value: bool | list[str]) -> bool | list[str]:
        if isinstance(value, list):
            for net in value:
                try:
                    ipaddress.ip_network(net, strict=False)
                except ValueError:
                    msg = f"expected true, false or a list of networks; got {net!r}"
                    raise ValueError(msg) from None
        return value

    def allows(self, addr: str) -> bool:
        """Whether this source may connect to the non-public address `addr`."""
        if isinstance(self.allow_private, bool):
            return self.allow_private
        ip = ipaddress.ip_address(addr.split("%")[0])
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.allow_private)

    @model_validator(mode="after")
    def _has_input(self) -> SourceConfig:
        if not self.start_urls and not self.path:
            raise ValueError("a source needs start_urls (or path, for a drop folder)")
        return self

    def secret(self, key: str, default: str = "") -> str:
        value = self.credentials.get(key)
        return value.get_secret_value() if value is not None else default


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: dict[str, Any] = Field(default_factory=dict)
    sources: list[dict[str, Any]] = Field(default_factory=list)


def resolve_path(path: str | os.PathLike[str]) -> Path:
    """A sources path as written in config: absolute, or relative to the repository root."""
    p = Path(path)
    return p if p.is_absolute() else PROJECT_ROOT / p


def _expand(url: str, env: dict[str, str], where: str) -> str:
    try:
        return Template(url).substitute(env)
    except KeyError as exc:
        raise ConfigError(f"{where}: environment variable {exc.args[0]} is not set") from None
    except ValueError as exc:
        raise ConfigError(f"{where}: bad ${{…}} placeholder: {exc}") from None


def load_sources(
    path: str | os.PathLike[str], env: dict[str, str] | None = None
) -> list[SourceConfig]:
    """The enabled sources of a sources file, URLs expanded, every field validated."""
    env = dict(os.environ if env is None else env)
    file = resolve_path(path)
    raw = load_yaml(file) or {}
    try:
        doc = SourcesFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, str(file))) from None
    sources: list[SourceConfig] = []
    for i, entry in enumerate(doc.sources):
        where = f"{file}: sources[{i}]"
        if isinstance(entry.get("name"), str):
            where += f" ({entry['name']})"
        try:
            source = SourceConfig.model_validate({**doc.defaults, **entry})
        except ValidationError as exc:
            raise ConfigError(describe_validation(exc, where)) from None
        source.start_urls = [_expand(u, env, f"{where}.start_urls") for u in source.start_urls]
        if source.path:
            source.path = _expand(source.path, env, f"{where}.path")
        source.credentials = {
            k: SecretStr(_expand(v.get_secret_value(), env, f"{where}.credentials.{k}"))
            for k, v in source.credentials.items()
        }
        if source.enabled:
            sources.append(source)
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{file}: source names must be unique: {', '.join(duplicates)}")
    return sources
