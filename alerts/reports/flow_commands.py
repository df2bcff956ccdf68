"""`yuqing report list|show|review|approve|reject|send`: the review workflow of a written
report, each step as `--as NAME` (a dashboard user acts with their role) on the audit trail.

    yuqing report review weekly-2026-11-16 --as mon2      # 负责人审核
    yuqing report approve weekly-2026-11-16 --as boss     # 领导审核把关
    yuqing report reject weekly-2026-11-16 --as boss --reason "数据需核对"
    yuqing report send weekly-2026-11-16 --as mon         # to the leaders, through stages.notify
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from alerts.localtime import display_local
from alerts.policy_options import ROLE_LABELS
from alerts.reports import workflow
from alerts.reports.commands import actor_option, open_reports, report_errors
from alerts.reports.records import ACTION_LABELS, ReportRecord
from alerts.reports.store import ReportMissing
from alerts.reports.workflow import AlreadySent, ReportError, resolve_actor
from pipeline.cli import config_options


def _echo(record: ReportRecord, as_json: bool, text: str) -> None:
    if as_json:
        click.echo(json.dumps(record.summary(), ensure_ascii=False, indent=2))
    else:
        click.echo(text)


def render(record: ReportRecord) -> str:
    """One report for people: its fields, files, deliveries and the whole audit trail."""
    lines = [
        f"{record.report_id}  {record.title}（{record.period}）  {record.status_label}",
        f"  编制 {record.drafted_by or '—'}  审核 {record.reviewed_by or '—'}  "
        f"批准 {record.approved_by or '—'}  发送 {record.sent_by or '—'}",
    ]
    if record.rejection and record.status == "draft":
        lines.append(f"  退回理由: {record.rejection}")
    lines += [f"  {fmt}: {file.path}" for fmt, file in record.files.items()]
    for d in record.deliveries:
        state = "已送达" if d.state == "sent" else f"未送达（{d.error}）"
        lines.append(f"  送达 {d.recipient} 经 {d.channel or '—'}: {state}")
    lines.append("  经过:")
    for step in record.history:
        note = f"（{step.note}）" if step.note else ""
        label = ACTION_LABELS.get(step.action, step.action)
        lines.append(f"    {display_local(step.at)}  {step.actor}  {label}{note}")
    return "\n".join(lines)


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as a JSON array.")
@config_options
@report_errors
def list_reports(as_json: bool, config_path: Path | None, data_dir: Path | None) -> None:
    """The written reports with their status, newest first."""
    with open_reports(config_path, data_dir) as desk:
        records = desk.book.list()
    if as_json:
        click.echo(json.dumps([r.summary() for r in records], ensure_ascii=False, indent=2))
        return
    for r in records:
        click.echo(f"{r.report_id:<28} {r.status_label:<4} {r.title}（{r.period}）")
    click.echo(f"共 {len(records)} 份")


@click.command("show")
@click.argument("report_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@config_options
@report_errors
def show_report(
    report_id: str, as_json: bool, config_path: Path | None, data_dir: Path | None
) -> None:
    """One report: status, files, deliveries and every step taken on it."""
    with open_reports(config_path, data_dir) as desk:
        record = _get(desk.book, report_id)
    _echo(record, as_json, render(record))


def _get(book, report_id: str) -> ReportRecord:
    try:
        return book.get(report_id)
    except ReportMissing:
        raise ReportError(report_id, "show", "没有这份报告（yuqing report list）") from None


def _step_command(name: str, doc: str, done: str, step: Callable[..., ReportRecord]):
    @click.argument("report_id")
    @click.option("--note", default="", help="A remark for the audit trail.")
    @click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
    @actor_option
    @config_options
    @report_errors
    def command(
        report_id: str,
        note: str,
        as_json: bool,
        actor: str,
        config_path: Path | None,
        data_dir: Path | None,
    ) -> None:
        with open_reports(config_path, data_dir) as desk:
            who = resolve_actor(desk.users, actor)
            _get(desk.book, report_id)
            record = desk.book.update(report_id, lambda r: step(r, who, desk.now, note))
        _echo(record, as_json, f"报告 {report_id}: {done}（{who.name}）")

    command.__doc__ = doc
    return click.command(name)(command)


@click.command("reject")
@click.argument("report_id")
@click.option("--reason", required=True, help="Why it goes back to draft (required).")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@actor_option
@config_options
@report_errors
def reject_report(
    report_id: str,
    reason: str,
    as_json: bool,
    actor: str,
    config_path: Path | None,
    data_dir: Path | None,
) -> None:
    """退回修改: back to draft with a reason (before it is sent)."""
    with open_reports(config_path, data_dir) as desk:
        who = resolve_actor(desk.users, actor)
        _get(desk.book, report_id)
        record = desk.book.update(report_id, lambda r: workflow.reject(r, who, desk.now, reason))
    _echo(record, as_json, f"报告 {report_id}: 已退回修改（{who.name}: {reason}）")


@click.command("send")
@click.argument("report_id")
@click.option(
    "--to",
    "roles",
    multiple=True,
    type=click.Choice(sorted(ROLE_LABELS)),
    help="Recipient roles (repeatable; default: leader_in_charge and principal_leader).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@actor_option
@config_options
@report_errors
def send_report_command(
    report_id: str,
    roles: tuple[str, ...],
    as_json: bool,
    actor: str,
    config_path: Path | None,
    data_dir: Path | None,
) -> None:
    """Send an approved report to the leaders through the configured channels, once."""
    try:
        _send(report_id, roles, as_json, actor, config_path, data_dir)
    except AlreadySent as exc:
        click.echo(f"报告 {report_id}: {exc.reason}")


def _send(
    report_id: str,
    roles: tuple[str, ...],
    as_json: bool,
    actor: str,
    config_path: Path | None,
    data_dir: Path | None,
) -> None:
    from alerts.reports.sending import DEFAULT_ROLES, ReportSender, send_report

    with open_reports(config_path, data_dir) as desk:
        who = resolve_actor(desk.users, actor)
        workflow.begin_send(_get(desk.book, report_id), who, desk.now)  # refuse early
        sender = ReportSender(desk.settings, roles or DEFAULT_ROLES, desk.stores)
        record = send_report(desk.book, sender, report_id, who, desk.now)
    reached = "、".join(f"{d.recipient}（{d.channel}）" for d in record.deliveries)
    _echo(record, as_json, f"报告 {report_id}: 已发送至 {reached}")


FLOW_COMMANDS = [
    list_reports,
    show_report,
    _step_command(
        "review", "负责人审核: a reviewer (not the drafter) passes the draft.", "已审核",
        workflow.review,
    ),
    _step_command(
        "approve", "领导审核把关: a leader or admin approves the reviewed report.", "已批准",
        workflow.approve,
    ),
    reject_report,
    send_report_command,
]  # fmt: skip
