"""Convening the joint meeting (召集会商联席会议) from the dashboard: the workflow step
special_steps.convene (members notified through the outbox, the convening recorded), and what
the case page and the step offer need to know about it.

The meeting itself and its agreed line (口径) are recorded with special_steps.meeting.
"""

from __future__ import annotations

from alerts.special_steps import CONVENED, convene, default_members
from alerts.steps import happened
from pipeline.models import Case

__all__ = ["CONVENED", "convene", "convened", "default_members"]


def convened(case: Case) -> bool:
    """The joint meeting on this case has been convened at least once."""
    return happened(case, CONVENED)
