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


def recipient_key(recipient: dict[str, str]) -> str:
    return f"{recipient.get('role', '')}:{recipient.get('code', '')}"


class Router:
    """Turns recipients into legs, and a leg's current channel into addresses."""

    def __init__(
        self,
        options: NotifyOptions,
        channels: dict[str, Channel],
        directory: JurisdictionProfile | None,
    ):
        self.options = options
        self.channels = channels
        self.directory = directory

    def legs(self, recipients: list[dict[str, str]], now: datetime) -> list[Leg]:
        legs: list[Leg] = []
        for recipient in recipients:
            route = self.options.route_for(recipient)
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
                    leg.last_error = "没有为该对象配置通知通道（recipients）"
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
