"""`yuqing cases open/confirm/ack/assign/verify/report/close/dismiss`: one workflow step each,
recorded with --as on the case timeline (responses, hand-over, convening and recording the
joint meeting, and merge are in case_response_commands.py).

Output is one Chinese line for people (`--json`: the case id, status, clocks and the last
timeline entry). A step that cannot be done prints one line naming the case and the step and
exits 2, with the case unchanged.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click

from alerts import workflow
from alerts.cli_support import echo_case, open_desk, run_step, step_command
from alerts.status import STATUS_LABELS
from pipeline.models import CATEGORIES, Case

CASE = click.argument("case_id")


def done(case: Case, as_json: bool, what: str) -> None:
    status = STATUS_LABELS.get(case.status, case.status)
    echo_case(case, as_json, f"{case.case_id}: {what}（状态: {status}）")


@click.command("open")
@click.option("--title", required=True, help="标题")
@click.option("--text", default="", help="要求的内容")
@click.option(
    "--origin",
    type=click.Choice(["superior_request", "referral"]),
    default="superior_request",
    show_default=True,
    help="superior_request: 上级要求回应; referral: 联席会议转办",
)
@click.option("--from", "requested_by", default="", help="提出要求的单位，如 市委网信办")
@click.option("--category", "categories", multiple=True, type=click.Choice(CATEGORIES))
@click.option("--importance", type=click.Choice(["important", "ordinary"]), default="important")
@click.option("--severity", type=click.Choice(["especially_major", "major", "larger", "general"]))
@click.option("--town", default=None, help="镇（名称或区划代码）")
@click.option("--lead", default=None, help="建议牵头部门（代码或名称）")
@step_command("open")
def open_case(
    config_path: Path | None, data_dir: Path | None, actor: str, as_json: bool, **fields: object
) -> None:
    """Open a case by hand (上级要求回应, 转办)."""
    with open_desk(config_path, data_dir) as desk:
        case = desk.open_manual(actor, **fields)  # type: ignore[arg-type]
    done(case, as_json, f"已立案「{case.title}」")


@click.command("confirm")
@CASE
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=click.Choice(CATEGORIES),
    help="更正类别（可重复）",
)
@click.option("--lead", default=None, help="更正牵头部门")
@click.option("--co", "co", multiple=True, help="更正配合部门（可重复）")
@click.option("--no-co", is_flag=True, help="不要配合部门")
@click.option("--town", default=None, help="更正所属镇")
@click.option("--note", default="")
@step_command("confirm")
def confirm_case(
    case_id: str,
    categories: tuple[str, ...],
    lead: str | None,
    co: tuple[str, ...],
    no_co: bool,
    town: str | None,
    note: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """研判: confirm or correct the proposed categories, departments and town."""
    step = partial(
        workflow.confirm,
        categories=list(categories) or None,
        lead=lead,
        co=[] if no_co else (list(co) or None),
        town_name=town,
        note=note,
    )
    case = run_step(config_path, data_dir, case_id, "confirm", actor, step)
    done(case, as_json, "研判确认，已交办")


@click.command("ack")
@CASE
@click.option("--note", default="")
@step_command("ack")
def ack_case(
    case_id: str,
    note: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """签收: the lead department takes the case."""
    case = run_step(
        config_path, data_dir, case_id, "ack", actor, partial(workflow.acknowledge, note=note)
    )
    done(case, as_json, "已签收")


@click.command("assign")
@CASE
@click.argument("lead")
@click.option("--co", "co", multiple=True, help="配合部门（可重复；不给则保留原配合部门）")
@click.option("--reason", required=True, help="改派理由")
@step_command("assign")
def assign_case(
    case_id: str,
    lead: str,
    co: tuple[str, ...],
    reason: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """改派: hand the case to another lead department, with a reason."""
    step = partial(workflow.assign, lead=lead, co=list(co) or None, reason=reason)
    case = run_step(config_path, data_dir, case_id, "assign", actor, step)
    done(case, as_json, f"已改派: {case.lead_department.name if case.lead_department else '—'}")


@click.command("verify")
@CASE
@click.option("--confirmed/--not-confirmed", required=True, help="问题属实 / 不属实")
@click.option("--note", default="")
@step_command("verify")
def verify_case(
    case_id: str,
    confirmed: bool,
    note: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """核实: record whether the problem is real (a real one starts verified_answer)."""
    step = partial(workflow.verify, confirmed=confirmed, note=note)
    case = run_step(config_path, data_dir, case_id, "verify", actor, step)
    done(case, as_json, "核实: 问题属实" if confirmed else "核实: 问题不属实")


@click.command("report")
@CASE
@click.option("--to", "to", required=True, help="报送对象，如 县政府办、分管县领导")
@click.option("--result", is_flag=True, help="报送的是处置结果")
@click.option("--note", default="")
@step_command("report")
def report_case(
    case_id: str,
    to: str,
    result: bool,
    note: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """报送: the report to leaders (or the handling result) delivered."""
    step = partial(workflow.report, to=to, result=result, note=note)
    case = run_step(config_path, data_dir, case_id, "report", actor, step)
    done(case, as_json, f"已报送 {to}")


@click.command("close")
@CASE
@click.option(
    "--watch-days", type=float, default=None, help="持续关注天数（默认取政策配置）；0 不关注"
)
@click.option("--note", default="")
@step_command("close")
def close_case(
    case_id: str,
    watch_days: float | None,
    note: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """办结, then watch for recurrence (防范反复)."""
    with open_desk(config_path, data_dir) as desk:
        if watch_days is None:
            profile = desk.get(case_id, "close").profile
            watch_days = desk.resolver.policy_for(profile).option("watch").days
        step = partial(workflow.close, watch_days=watch_days, note=note)
        case = desk.run(case_id, "close", actor, step)
    done(case, as_json, "已办结")


@click.command("dismiss")
@CASE
@click.option("--reason", required=True, help="排除理由（也作为训练标注）")
@step_command("dismiss")
def dismiss_case(
    case_id: str,
    reason: str,
    config_path: Path | None,
    data_dir: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """排除: a false alarm, with a reason."""
    case = run_step(
        config_path, data_dir, case_id, "dismiss", actor, partial(workflow.dismiss, reason=reason)
    )
    done(case, as_json, f"已排除（{reason}）")


STEP_COMMANDS = (
    open_case,
    confirm_case,
    ack_case,
    assign_case,
    verify_case,
    report_case,
    close_case,
    dismiss_case,
)
