"""Who is reached through which channels, at which address.

A notice's recipients come from the case and the policy's ladder (alerts/recipients.py:
`{"role", "code", "name"}`); the config's `recipients` map a department code, a role or
`default` to channel chains; email addresses and phone numbers come from that route, else
from the jurisdiction profile (a department's `email`, its liaison's mobile number).
"""

from __future__ import annotations

import re
from datetime import datetime

from alerts.channels import Channel
from alerts.delivery.jobs import Leg
from alerts.delivery.options import NotifyOptions, Route
from alerts.localtime import iso_local
from pipeline.profile import JurisdictionProfile

MOBILE = re.compile(r"^1\d{10}$")
NO_ROUTE = "没有为该对象配置通知通道（recipients）"


def recipient_key(recipient: dict[str, str]) -> str:
    return f"{recipient.get('role', '')}:{recipient.get('code', '')}"


def scoped_routes(routes: dict[str, Route], profile: str, default: bool) -> dict[str, Route]:
    """The routes of one profile: its `PROFILE.KEY` entries (e.g. `tunchang.principal_leader`)
    over the plain ones, which serve the default profile only — so a county's notice or report
    never goes to another county's people for want of a route of its own."""
    prefix = f"{profile}."
    plain = {k: v for k, v in routes.items() if "." not in k} if default else {}
    return plain | {k[len(prefix) :]: v for k, v in routes.items() if k.startswith(prefix)}


def county_router(
    options: NotifyOptions,
    channels: dict[str, Channel],
    profile: str,
    directory: JurisdictionProfile | None,
    default: bool,
) -> Router:
    """The router of one profile in a deployment of several: its routes (`scoped_routes`),
    its directory for addresses, and a refusal that names the keys it lacks."""
    routes = scoped_routes(options.recipients, profile, default)
    scoped = options.model_copy(update={"recipients": routes})
    return Router(scoped, channels, directory, county="" if default else profile)


class Router:
    """Turns recipients into legs, and a leg's current channel into addresses.

    `county` (a profile other than the default, whose routes are `COUNTY.KEY`) only makes
    the refusal of a recipient without a route say which keys would serve it; `refuse`
    refuses every recipient with that reason."""

    def __init__(
        self,
        options: NotifyOptions,
        channels: dict[str, Channel],
        directory: JurisdictionProfile | None,
        county: str = "",
        refuse: str = "",
    ):
        self.options = options
        self.channels = channels
        self.directory = directory
        self.county = county
        self.refuse = refuse

    def refusal(self, recipient: dict[str, str]) -> str:
        """Why a recipient gets nothing: no route (a county's: none of its own)."""
        if self.refuse:
            return self.refuse
        if not self.county:
            return NO_ROUTE
        keys = dict.fromkeys(
            f"{self.county}.{k}"
            for k in (recipient.get("code"), recipient.get("role"), "default")
            if k
        )
        where = self.directory.jurisdiction if self.directory is not None else self.county
        return (
            f"没有为该对象配置通知通道：{where}的通知只走本辖区的通道（recipients 中的 "
            f"{' / '.join(keys)}），不改用其他县的通道"
        )

    def legs(self, recipients: list[dict[str, str]], now: datetime) -> list[Leg]:
        legs: list[Leg] = []
        for recipient in recipients:
            route = None if self.refuse else self.options.route_for(recipient)
            chains = route.chains if route is not None else [[]]
            for index, chain in enumerate(chains):
                leg = Leg(
                    key=f"{recipient_key(recipient)}#{index}",
                    recipient=dict(recipient),
                    chain=list(chain),
                    next_at=iso_local(now),
                )
                if not chain:
                    leg.state = "failed"
                    leg.last_error = self.refusal(recipient)
                legs.append(leg)
        return legs

    def addresses(self, leg: Leg, channel: Channel) -> list[str]:
        """The addresses `channel` needs for this leg's recipient ([] for robots/webhooks)."""
        kind = channel.address_kind
        if kind is None:
            return []
        route: Route | None = self.options.route_for(leg.recipient)
        given = (route.email if kind == "email" else route.phone) if route else []
        if given:
            return list(given)
        department = self._department(leg.recipient.get("code", ""))
        if department is None:
            return []
        if kind == "email":
            return [department.email] if department.email else []
        phones = [department.liaison.phone, department.spokesperson.phone]
        return [p for p in (x.replace("-", "").strip() for x in phones) if MOBILE.match(p)]

    def _department(self, code: str):
        if not code or self.directory is None:
            return None
        try:
            return self.directory.department(code)
        except KeyError:
            return None

    def department_name(self, code: str) -> str:
        department = self._department(code)
        return department.name if department is not None else code
