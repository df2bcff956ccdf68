"""Findings to people: a source down, a defaced site, a channel down — each one becomes a
delivery job for the roles in `findings.to` (the news office by default), under the id
"fnd-" + finding id, so a replayed findings topic queues nothing twice. Findings of one kind
about one source form a thread: a flapping source is one message plus updates.
"""

from __future__ import annotations

from datetime import datetime

from alerts.delivery.compose import MessageComposer
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
    ):
        self.options = options
        self.composer = composer
        self.router = router
        self.recipients = finding_recipients(list(options.to), directory)

    def job(self, finding: Finding, now: datetime) -> DeliveryJob | None:
        """The job for a finding, or None when findings of this severity are not sent."""
        if not self.options.enabled:
            return None
        if SEVERITY_RANK[finding.severity] < SEVERITY_RANK[self.options.min_severity]:
            return None
        message_id = f"fnd-{finding.finding_id}"
        return DeliveryJob(
            message_id=message_id,
            source="finding",
            thread=f"finding:{finding.kind}:{finding.source}",
            message=self.composer.finding(finding, message_id),
            legs=self.router.legs(self.recipients, now),
            created_at=iso_local(now),
        )
