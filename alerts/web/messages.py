"""The dashboard's words for the workflow: the steps' names, and a refusal as the API answers
it. Each refusal carries its Chinese reason and a stable code from where it is raised
(alerts/status.py WorkflowError), so nothing here translates."""

from __future__ import annotations

from starlette.responses import JSONResponse

from alerts.status import WorkflowError

STEP_LABELS = {
    "confirm": "研判确认",
    "dismiss": "排除",
    "assign": "改派",
    "ack": "签收",
    "verify": "核实",
    "respond": "拟回应",
    "review": "审查",
    "report": "报送",
    "handover": "移交",
    "close": "办结",
    "convene": "召集联席会议",
    "meeting": "联席会议记录",
    "merge": "合并案件",
    "open": "手动立案",
}


class FormError(WorkflowError):
    """Bad input caught by the dashboard before the workflow runs."""

    def __init__(self, case_id: str, step: str, message_zh: str, code: str = "invalid_input"):
        super().__init__(case_id, step, message_zh, code)


def refusal(exc: WorkflowError) -> JSONResponse:
    """422 for input the form check refused, 409 for a step the workflow refused: the reason
    in Chinese (`detail`, as every other API error) with its `code` and `step` for scripts."""
    status = 422 if isinstance(exc, FormError) else 409
    body = {"detail": exc.message_zh, "code": exc.code, "step": exc.step}
    return JSONResponse(body, status_code=status)
