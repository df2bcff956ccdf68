"""Sending an approved report through the deployment's channels (stages.notify: `channels`
and `recipients`, deploy/notify.example.yaml) to the leaders of the report's profile (its
`leaders:`; routes `PROFILE.KEY` for a county other than the default): by email with the .docx
and .html attached, through robots, webhooks and SMS as a message with the dashboard link.

Only an approved report goes out, and only once: `begin_send` claims the record (approved →
sending) so a second sender is refused; each recipient reached is written to the record at
once, so a send resumed after a failure or a crash reaches only those still missing. Every
message has the stable id `rpt-ID` (the Message-ID of the mail), recognisable on a resend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from pydantic import ValidationError

from alerts.channels import Channel, ChannelError, ChannelMessage, Line, build_channel
from alerts.channels.mail import EmailChannel
from alerts.delivery.options import NotifyOptions
from alerts.delivery.routes import Router, county_router
from alerts.localtime import display_local, iso_local
from alerts.policy_options import ROLE_LABELS
from alerts.recipients import OFFICE_ROLES, leader, report_contact, resolve
from alerts.reports.records import Delivery, ReportRecord, changed_files
from alerts.reports.scope import ReportScope, report_scope
from alerts.reports.store import ReportBook
from alerts.reports.workflow import Actor, ReportError, begin_send, finish_send
from pipeline.config import ConfigError, Settings, describe_validation
from pipeline.models import Case
from pipeline.storage.base import Stores

DEFAULT_ROLES = ("leader_in_charge", "principal_leader")  # reports go to the leaders (001)
MIME = {
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "html": ("text", "html"),
}


class ReportMail(EmailChannel):
    """The configured email channel, with the report's files attached."""

    def __init__(self, channel: EmailChannel, files: dict[str, Path]):
        super().__init__(channel.name, channel.options)
        self.files = files

    def build(self, message: ChannelMessage, to: Sequence[str]) -> EmailMessage:
        mail = super().build(message, to)
        mail.replace_header("Subject", f"【舆情报告】{message.title}")
        for fmt, path in self.files.items():
            maintype, subtype = MIME[fmt]
            if maintype == "text":  # UTF-8 declared, so mail clients show the Chinese
                text = path.read_text(encoding="utf-8")
                mail.add_attachment(text, subtype=subtype, charset="utf-8", filename=path.name)
            else:
                data = path.read_bytes()
                mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
        return mail


def report_message(record: ReportRecord, base_url: str) -> ChannelMessage:
    return ChannelMessage(
        message_id=f"rpt-{record.report_id}",
        kind="report",
        title=f"{record.title}（{record.period}）",
        summary="本报告已经负责人审核、领导审核批准，现予报送；邮件附 Word 与网页版报告。",
        lines=[
            Line(label="编制", value=f"{record.drafted_by} {display_local(record.drafted_at)}"),
            Line(label="审核", value=f"{record.reviewed_by} {display_local(record.reviewed_at)}"),
            Line(label="批准", value=f"{record.approved_by} {display_local(record.approved_at)}"),
            Line(label="报告页面", value="在平台查看和下载", link=f"{base_url}/reports"),
        ],
    )


def report_recipients(
    roles: Sequence[str], scope: ReportScope, case: Case | None = None
) -> list[dict[str, str]]:
    """The people of `roles` in the report's profile: its principal leader and the leader in
    charge of the news office (of the case's lead department for a 专报), each tagged with
    the profile; a role the profile names nobody for stays generic."""
    directory = scope.directory
    if case is not None:
        found = resolve(roles, case, directory, report_up=True)
    else:
        found = []
        for role in roles:
            person = leader(role, directory.news_office, directory)
            if person is None and role in OFFICE_ROLES:
                office_code = {"news_office": directory.news_office}
                code = office_code.get(role, directory.government_office)
                office = {"role": role, "code": code, "name": ROLE_LABELS[role]}
                person = report_contact(office, directory)
            found.append(person or {"role": role, "code": "", "name": ROLE_LABELS.get(role, role)})
    named: list[dict[str, str]] = []
    for r in found:
        if not r.get("person") and not scope.default:  # whose 主要领导: say the county
            r = {**r, "name": f"{scope.jurisdiction}{r['name']}"}
        r = {**r, "profile": scope.name}
        if r not in named:
            named.append(r)
    return named


class ReportSender:
    """The notify config's channels and routes, used synchronously for one report; the
    recipients and routes are those of the report's profile (scope.py)."""

    def __init__(
        self,
        settings: Settings,
        roles: Sequence[str] = DEFAULT_ROLES,
        stores: Stores | None = None,
    ):
        try:
            raw = settings.stage("notify").options()
        except ConfigError:
            raise ReportError("-", "send", "没有配置通知通道（stages.notify）") from None
        try:
            self.options = NotifyOptions.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(describe_validation(exc, "stages.notify")) from None
        where = f"{settings.source or 'config'}: stages.notify.channels"
        self.channels: dict[str, Channel] = {
            name: build_channel(name, options, where)
            for name, options in self.options.channels.items()
        }
        self.settings, self.stores = settings, stores
        self.roles = list(roles)

    def route(self, record: ReportRecord) -> tuple[Router, list[dict[str, str]]]:
        """The router and the recipients of `record` (its profile's leaders and routes)."""
        scope = report_scope(self.settings, record.profile_or(self.settings.profile))
        case = None
        if record.case_id and self.stores is not None:
            case = self.stores.cases.get(record.case_id)
        # PROFILE.KEY routes over the plain ones (the default's), as for case notices
        router = county_router(
            self.options, self.channels, scope.name, scope.directory, scope.default
        )
        return router, report_recipients(self.roles, scope, case)

    def _channel(self, name: str, files: dict[str, Path]) -> Channel | None:
        channel = self.channels.get(name)
        return ReportMail(channel, files) if isinstance(channel, EmailChannel) else channel

    def deliver(
        self, record: ReportRecord, now: datetime, save: Callable[[Delivery], None]
    ) -> list[Delivery]:
        """Reach every recipient not yet reached, each through the first channel of its chain
        that accepts; `save(delivery)` persists each outcome at once. Returns the failures."""
        router, recipients = self.route(record)
        message = report_message(record, self.options.base_url)
        files = {fmt: Path(f.path) for fmt, f in record.files.items()}
        reached = {t.split("|", 1)[0] for t in record.delivered_targets()}
        failures: list[Delivery] = []
        for leg in router.legs(recipients, now):
            if leg.key in reached:
                continue
            errors: list[str] = [leg.last_error] if not leg.chain else []
            for name in leg.chain:
                channel = self._channel(name, files)
                if channel is None:
                    errors.append(f"{name}: 通道未配置")
                    continue
                to = router.addresses(leg, channel)
                if channel.address_kind is not None and not to:
                    errors.append(f"{name}: 没有{channel.address_kind}地址")
                    continue
                try:
                    channel.send(message, to)
                except ChannelError as exc:
                    errors.append(f"{name}: {exc}")
                    continue
                target = f"{leg.key}|{name}|{','.join(sorted(to))}"
                who = leg.recipient["name"]
                save(Delivery(recipient=who, channel=name, target=target, at=iso_local(now)))
                break
            else:
                failure = Delivery(
                    recipient=leg.recipient["name"],
                    state="failed",
                    at=iso_local(now),
                    error="；".join(errors) or "没有可用通道",
                )
                save(failure)
                failures.append(failure)
        return failures


def send_report(
    book: ReportBook, sender: ReportSender, report_id: str, actor: Actor, now: datetime
) -> ReportRecord:
    """Send an approved report once; raises AlreadySent, or ReportError (not approved, files
    changed since approval, or some recipient not reached: then it stays approved)."""

    def claim(record: ReportRecord) -> ReportRecord:
        started = begin_send(record, actor, now)
        changed = changed_files(record)
        if changed:
            why = f"报告文件（{'、'.join(changed)}）在审核后被修改或移走，请重新生成并审核"
            raise ReportError(report_id, "send", why)
        return started

    record = book.update(report_id, claim)

    def save(delivery: Delivery) -> None:
        def add(r: ReportRecord) -> ReportRecord:
            kept = [
                d for d in r.deliveries if d.state == "sent" or d.recipient != delivery.recipient
            ]
            return r.model_copy(update={"deliveries": [*kept, delivery]})

        book.update(report_id, add)

    try:
        failures = sender.deliver(record, now, save)
    except Exception as exc:  # never leave it "sending": a later send resumes the rest
        why = f"发送中断: {type(exc).__name__}"
        book.update(report_id, lambda r: finish_send(r, actor, now, False, why))
        raise
    note = "；".join(f"{f.recipient}: {f.error}" for f in failures)
    record = book.update(report_id, lambda r: finish_send(r, actor, now, not failures, note))
    if failures:
        raise ReportError(report_id, "send", f"部分对象未送达，可稍后重新发送: {note}")
    return record
