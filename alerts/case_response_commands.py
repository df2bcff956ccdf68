"""`yuqing cases respond/review/handover/convene/meeting/merge`: responses and their review
(先审查、后公开), the rumour hand-over, convening and recording the joint meeting, and merging
two cases of one event.

Same conventions as case_commands.py: --as, --json, one error line and exit code 2.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import click

from alerts import special_steps
from alerts.case_commands import CASE, done
from alerts.casework import summary
from alerts.cli_support import open_desk, run_step, step_command
from alerts.events import RESPONSE_KINDS
from alerts.responses import LEVELS, locate, respond, review
from alerts.special_steps import CONVENED
from pipeline.models import Case


@click.command("respond")
@CASE
@click.option("--kind", type=click.Choice(RESPONSE_KINDS), default="statement", show_default=True)
@click.option("--text", required=True)
@click.option("--url", default="")
@click.option("--department", default="", help="发布部门（默认牵头部门）")
@click.option("--published-at", default=None, help="ISO 8601，如发布会时间（默认审发时）")
@click.option(
    "--id", "response_id", default=None, help="回应编号（可选；重复提交同一编号只记录一次）"
)
@step_command("respond")
def respond_case(
    case_id: str,
    kind: str,
    text: str,
    url: str,
    department: str,
    published_at: str | None,
    response_id: str | None,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """拟回应: a draft response; it counts once approved (review). Prints its id."""
    step = partial(
        respond,
        kind=kind,
        text=text,
        url=url,
        department=department,
        published_at=published_at,
        response_id=response_id,
    )
    case = run_step(config_path, data_dir, case_id, "respond", actor, step)
    index = _submitted(case, actor, response_id)
    done(case, as_json, f"回应 #{index + 1}（{case.responses[index].id}）已提交，待审查")


def _submitted(case: Case, actor: str, response_id: str | None) -> int:
    """The index of the response just submitted: by its id, else the actor's latest."""
    if response_id:
        return locate(case, response_id, "respond")
    mine = [i for i, r in enumerate(case.responses) if r.actor == actor]
    return mine[-1] if mine else len(case.responses) - 1


@click.command("review")
@CASE
@click.argument("response")
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    required=True,
    help="first 承办人初审, second 负责人审核, cosign 配合部门会签, final 领导审发",
)
@click.option("--reject", is_flag=True, help="退回")
@click.option("--department", default="", help="会签部门（--level cosign）")
@click.option("--note", default="")
@step_command("review")
def review_case(
    case_id: str,
    response: str,
    level: str,
    reject: bool,
    department: str,
    note: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """审查: one review step of RESPONSE, its id (rsp-…) or its number (1, 2, …) (先审查、后公开)."""
    step = partial(
        review, number=response, level=level, approve=not reject, note=note, department=department
    )
    case = run_step(config_path, data_dir, case_id, "review", actor, step)
    index = locate(case, response)
    reviewed = case.responses[index]
    done(case, as_json, f"回应 #{index + 1}（{reviewed.id}）审查: {reviewed.review.state}")


@click.command("handover")
@CASE
@click.option("--to", "to", required=True, help="移交对象，如 县公安局、县委网信办")
@click.option("--evidence", multiple=True, help="证据（本案信息 id，可重复；默认全部）")
@click.option("--at", "at", default=None, help="移交时间 ISO 8601（默认现在）")
@step_command("handover")
def handover_case(
    case_id: str,
    to: str,
    evidence: tuple[str, ...],
    at: str | None,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """移交: hand a rumour case over to the police or the cyberspace authority."""
    step = partial(special_steps.handover, to=to, evidence=list(evidence), at=at)
    case = run_step(config_path, data_dir, case_id, "handover", actor, step)
    done(case, as_json, f"已移交 {to}")


@click.command("convene")
@CASE
@click.option(
    "--member", "members", multiple=True, help="参会部门（代码或名称，可重复；默认联席会议成员）"
)
@click.option("--at", "at", default=None, help="会议时间 ISO 8601（默认现在）")
@click.option("--place", default="", help="会议地点")
@click.option("--note", default="")
@step_command("convene")
def convene_case(
    case_id: str,
    members: tuple[str, ...],
    at: str | None,
    place: str,
    note: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """召集: convene the joint meeting on a major case; its members are notified."""
    step = partial(special_steps.convene, members=list(members), at=at, place=place, note=note)
    case = run_step(config_path, data_dir, case_id, "convene", actor, step)
    (latest,) = [e for e in case.timeline if e.detail.get("event") == CONVENED][-1:]
    done(case, as_json, f"已召集联席会议（{latest.detail['meets_at'][:16].replace('T', ' ')}）")


@click.command("meeting")
@CASE
@click.option("--line", required=True, help="会商确定的口径")
@click.option("--member", "members", multiple=True, help="参会部门（默认联席会议成员）")
@click.option("--held-at", default=None, help="会议时间 ISO 8601（默认现在）")
@click.option("--note", default="")
@step_command("meeting")
def meeting_case(
    case_id: str,
    line: str,
    members: tuple[str, ...],
    held_at: str | None,
    note: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """会商: the joint meeting on a major case, its members and the agreed line (口径)."""
    step = partial(
        special_steps.meeting, line=line, members=list(members), held_at=held_at, note=note
    )
    case = run_step(config_path, data_dir, case_id, "meeting", actor, step)
    done(case, as_json, "联席会议已记录")


@click.command("merge")
@click.argument("case_id")
@click.argument("into")
@step_command("merge")
def merge_case(
    case_id: str,
    into: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """合并: CASE_ID turns out to be the same event as INTO; it is merged into INTO."""
    with open_desk(config_path, data_dir) as desk:
        gone, grown = desk.merge(case_id, into, actor)
    if as_json:
        click.echo(json.dumps([summary(gone), summary(grown)], ensure_ascii=False, indent=2))
    else:
        click.echo(f"{gone.case_id}: 已并入 {grown.case_id}（信息 {len(grown.items)} 条）")


RESPONSE_COMMANDS = (
    respond_case,
    review_case,
    handover_case,
    convene_case,
    meeting_case,
    merge_case,
)
