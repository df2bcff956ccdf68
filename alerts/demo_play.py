"""The demo's monitor and officer: after the pipeline has run, `yuqing demo` plays a few
workflow steps so a newcomer sees confirmed and acknowledged cases beside new ones.

Registered in the `yuqing.demo` entry-point group; the kernel's demo calls it by name.
"""

from __future__ import annotations

from alerts.casework import CaseDesk
from alerts.workflow import acknowledge, confirm
from pipeline.config import Settings
from pipeline.storage import open_stores
from pipeline.storage.base import CaseQuery

MONITOR = "演示监测员"
CONFIRM_TOP = 3


def play(settings: Settings) -> list[str]:
    """研判 the riskiest new cases as the news office would, and 签收 the first as its lead
    department; a second demo run on the same data plays nothing again."""
    stores = open_stores(settings)
    try:
        cases = stores.cases.list(CaseQuery(limit=100_000))
        if any(c.confirmed_at for c in cases):
            return []
        desk = CaseDesk(stores, settings)
        riskiest = sorted(
            (c for c in cases if c.status == "new" and c.lead_department is not None),
            key=lambda c: (-c.risk, c.case_id),
        )[:CONFIRM_TOP]
        lines = []
        for case in riskiest:
            desk.run(case.case_id, "confirm", MONITOR,
                     lambda c, ctx: confirm(c, ctx, note="演示：按系统建议研判"))  # fmt: skip
            lines.append(f"研判 {case.title[:28]} → 牵头 {case.lead_department.name}")
        if riskiest:
            first = riskiest[0]
            officer = f"{first.lead_department.name}承办人"
            desk.run(first.case_id, "ack", officer,
                     lambda c, ctx: acknowledge(c, ctx, note="演示：签收"))  # fmt: skip
            lines.append(f"签收 {first.title[:28]}（{officer}）")
        return lines
    finally:
        stores.close()
