"""Findings to people: a source down, a defaced site, a channel down — each one becomes a
delivery job for the roles in `findings.to` (the news office by default), under the id
"fnd-" + finding id, so a replayed findings topic queues nothing twice. Findings of one kind
about one source form a thread: a flapping source is one message plus updates.

A finding about one county's notice (its `profile`: it names the case) takes that county's
routes and directory, as the notice did (counties.py: `COUNTY.KEY`, refused without a route
of its own, never another county's); a system-wide one (`profile` "") the deployment's
operators, through the plain routes.
"""

from __future__ import annotations

from datetime import datetime

from alerts.delivery.compose import MessageComposer
from alerts.delivery.counties import CountyRouters
from alerts.delivery.jobs import DeliveryJob
from alerts.delivery.options import FindingOptions
from alerts.delivery.routes import Router
from alerts.localtime import iso_local
from alerts.policy_options import ROLE_LABELS
from pipeline.models import Finding
from pipeline.profile import JurisdictionProfile

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


def finding_recipients(
    roles: list[str], directory: JurisdictionProfile | None
) -> list[dict[str, str]]:
    found = []
    for role in roles:
        code = ""
        if directory is not None and role in ("news_office", "government_office"):
            code = getattr(directory, role)
        name = ROLE_LABELS.get(role, role)
        if code and directory is not None:
            name = directory.department(code).name
        found.append({"role": role, "code": code, "name": name})
    return found


class FindingIntake:
    def __init__(
        self,
        options: FindingOptions,
        composer: MessageComposer,
        router: Router,
        directory: JurisdictionProfile | None,
        routers: CountyRouters | None = None,
    ):
        self.options = options
        self.composer = composer
        self.router = router
        self.routers = routers
        self.recipients = finding_recipients(list(options.to), directory)

    def job(self, finding: Finding, now: datetime) -> DeliveryJob | None:
        """The job for a finding, or None when findings of this severity are not sent."""
        if not self.options.enabled:
            return None
        if SEVERITY_RANK[finding.severity] < SEVERITY_RANK[self.options.min_severity]:
            return None
        message_id = f"fnd-{finding.finding_id}"
        key = self.routers.key(finding.profile) if self.routers is not None else ""
        router = self.routers.get(key) if self.routers is not None else self.router
        recipients = self.recipients
        if key:  # that county's own offices, from its own directory
            recipients = finding_recipients(list(self.options.to), router.directory)
        return DeliveryJob(
            message_id=message_id,
            source="finding",
            thread=":".join(["finding", *([key] if key else []), finding.kind, finding.source]),
            message=self.composer.finding(finding, message_id),
            legs=router.legs(recipients, now),
            created_at=iso_local(now),
            profile=key,
        )
