"""Whose routes a case notice takes when one deployment monitors several counties (settings
`profiles`, optional `superior`): those of the case's own profile, as the period reports do.

Plain routes (`water`, `principal_leader`, `default`) serve the default profile; another
profile — a monitored county, or the superior for its cross-county cases — is served only by
its `PROFILE.KEY` routes (`tunchang.principal_leader`), and addresses come from its own
directory. A recipient of a county without a route of its own is refused (the leg fails at
once, `yuqing notify --status` shows why), never sent to another county's leaders or
departments: their leader ids and department codes are the same in every county. With one
profile and no superior every notice takes the plain routes, exactly as before.
"""

from __future__ import annotations

import logging
from datetime import datetime

from alerts.channels import Channel
from alerts.delivery.jobs import Leg
from alerts.delivery.options import NotifyOptions
from alerts.delivery.routes import Router, county_router
from pipeline.config import ConfigError, Settings
from pipeline.profile import JurisdictionProfile, load_profile

log = logging.getLogger("yuqing.notify")


class CountyRouters:
    """One Router per profile of the deployment, made when first needed."""

    def __init__(
        self,
        options: NotifyOptions,
        channels: dict[str, Channel],
        default: Router,
        settings: Settings | None = None,
    ):
        self.options = options
        self.channels = channels
        self.default = default  # the plain routes, with the default profile's directory
        self.settings = settings
        self.names: list[str] = []
        if settings is not None:  # plain routes, and DEFAULT.KEY ones as the reports take them
            self.default = county_router(
                options, channels, settings.profile, default.directory, True
            )
            superior = [settings.superior] if settings.superior else []
            self.names = [*settings.profile_names, *superior]
            for key in options.recipients:
                county = key.split(".", 1)[0] if "." in key else ""
                if county and county not in self.names:
                    log.warning("recipients.%s: %r is no profile here: serves nobody", key, county)
        self._routers: dict[str, Router] = {}

    @property
    def several(self) -> bool:
        """More than one profile (counties, or one county under a superior)."""
        return len(self.names) > 1

    def key(self, profile: str) -> str:
        """The profile whose routes serve `profile`'s notices; "" for the plain ones."""
        if not self.several or self.settings is None or profile in ("", self.settings.profile):
            return ""
        return profile

    def owner(self, key: str) -> str:
        """The profile a job of routing key `key` belongs to, for the findings about it and
        the dashboard's scope: the key itself, the default profile for "" when there are
        several, "" (everyone's) in a one-county deployment."""
        if key or not self.several or self.settings is None:
            return key
        return self.settings.profile

    def get(self, profile: str) -> Router:
        """The router of a notice of `profile` (the plain one for the default profile)."""
        key = self.key(profile)
        if not key:
            return self.default
        if key not in self._routers:
            self._routers[key] = self._make(key)
        return self._routers[key]

    def legs(self, profile: str, recipients: list[dict[str, str]], now: datetime) -> list[Leg]:
        legs = self.get(profile).legs(recipients, now)
        refused = [leg for leg in legs if leg.state == "failed"]
        if refused and self.key(profile):
            who = "、".join(leg.recipient.get("name", leg.key) for leg in refused)
            log.warning("profile %s: no route of its own for %s: not sent", profile, who)
        return legs

    def _make(self, profile: str) -> Router:
        if profile not in self.names:
            known = "、".join(self.names)
            why = (
                f"辖区档案「{profile}」不在本部署的 profiles/superior 中（已配置: {known}），不发送"
            )
            return Router(self.options.model_copy(update={"recipients": {}}), {}, None, refuse=why)
        return county_router(self.options, self.channels, profile, self._directory(profile), False)

    def _directory(self, profile: str) -> JurisdictionProfile | None:
        assert self.settings is not None
        base = self.settings.source.parent if self.settings.source else None
        try:
            return load_profile(profile, base)
        except (ConfigError, OSError) as exc:
            log.warning(
                "profile %s cannot be loaded (%s): addresses from config only", profile, exc
            )
            return None
