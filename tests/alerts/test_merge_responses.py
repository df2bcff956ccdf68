"""Merging two cases keeps each response once: a response both cases hold (the same id, e.g.
an official reply the crawler found on both) is not doubled."""

from __future__ import annotations

from functools import partial

from alerts import workflow
from alerts.cases import case_id_for
from alerts.merging import merge
from alerts.responses import respond
from alerts.steps import StepContext
from pipeline.models import Response
from tests.alerts.conftest import Workspace, at
from tests.factories import make_case, make_scored

A, B = case_id_for("dingan", "evt-1"), case_id_for("dingan", "evt-2")


def reply(rid: str, text: str) -> Response:
    return Response(id=rid, kind="statement", text=text)


def test_a_shared_response_is_kept_once_the_targets_copy_first() -> None:
    shared_target = reply("rsp-shared", "县水务局：已恢复供水")
    shared_absorbed = shared_target.model_copy(update={"actor": "crawler"})
    target = make_case(1, responses=[shared_target, reply("rsp-t", "抢修进展")])
    absorbed = make_case(2, responses=[reply("rsp-a", "停水通知"), shared_absorbed])
    gone, grown = merge(absorbed, target, StepContext(actor="监测员王", now=at(hours=1)))
    assert [r.id for r in grown.responses] == ["rsp-shared", "rsp-t", "rsp-a"]
    assert grown.responses[0].actor == ""  # the target's own copy
    assert gone.responses == []


def test_the_same_response_entered_on_both_cases_survives_the_merge_once(ws: Workspace) -> None:
    ws.feed(make_scored(1), make_scored(2))
    for cid in (A, B):
        ws.step(cid, "confirm", workflow.confirm)
        ws.step(cid, "ack", workflow.acknowledge)
        ws.step(
            cid, "respond", partial(respond, kind="statement", text="已恢复供水", response_id="w-1")
        )
    ws.step(B, "respond", partial(respond, kind="result", text="处置结果"))
    _, grown = ws.desk.merge(B, A, "监测员王")
    assert [r.text for r in grown.responses] == ["已恢复供水", "处置结果"]
    assert [r.text for r in ws.case(A).responses] == ["已恢复供水", "处置结果"]
