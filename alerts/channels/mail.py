"""Email over SMTP (plain, STARTTLS or implicit TLS; optional login).

The Message-ID header is built from the notice's stable id, so a resend after a crash is the
same message to every mail client and archive. Subject and body are UTF-8 (the Chinese
subject is RFC 2047 encoded by the standard library); the body has a text and an HTML part.
SMTP 4xx answers and network errors are transient; 5xx (refused recipient, failed login)
are permanent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from alerts.channels.base import (
    Channel,
    ChannelOptions,
    PermanentChannelError,
    TransientChannelError,
    secret,
)
from alerts.channels.message import ChannelMessage, one_line

KIND_TAGS = {
    "escalation": "升级",
    "reminder": "提醒",
    "report_up": "呈报",
    "assignment": "交办",
    "recurrence": "反复",
    "meeting": "会商",
    "finding": "异常",
    "digest": "日报",
    "update": "更新",
}


class EmailOptions(ChannelOptions):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str = ""
    password: SecretStr | None = None
    password_env: str = ""
    sender: str  # From address, e.g. yuqing@dingan.gov.cn
    sender_name: str = "定安县舆情监测系统"
    message_id_domain: str = ""  # default: the sender's domain
    verify_tls: bool = True
    cc: list[str] = Field(default_factory=list)  # always copied (e.g. the duty mailbox)


def message_id_header(message_id: str, domain: str) -> str:
    return f"<{message_id}@{domain}>"


class EmailChannel(Channel):
    type_name: ClassVar[str] = "email"
    Options = EmailOptions
    address_kind = "email"
    options: EmailOptions

    @property
    def domain(self) -> str:
        return self.options.message_id_domain or self.options.sender.rpartition("@")[2] or "yuqing"

    def build(self, message: ChannelMessage, to: Sequence[str]) -> EmailMessage:
        mail = EmailMessage()
        tag = KIND_TAGS.get(message.kind, "通知")
        mail["Subject"] = f"【舆情{tag}】{one_line(message.title, 120)}"
        mail["From"] = formataddr((self.options.sender_name, self.options.sender))
        mail["To"] = ", ".join(to)
        if self.options.cc:
            mail["Cc"] = ", ".join(self.options.cc)
        mail["Message-ID"] = message_id_header(message.message_id, self.domain)
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["X-Yuqing-Message-Id"] = message.message_id
        mail["X-Yuqing-Attempt"] = str(message.attempt)
        mail.set_content(message.as_text(), charset="utf-8")
        mail.add_alternative(message.as_html(), subtype="html", charset="utf-8")
        return mail

    def _connect(self) -> smtplib.SMTP:
        opts = self.options
        context = ssl.create_default_context()
        if not opts.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if opts.security == "ssl":
            return smtplib.SMTP_SSL(opts.host, opts.port, timeout=opts.timeout_s, context=context)
        smtp = smtplib.SMTP(opts.host, opts.port, timeout=opts.timeout_s)
        if opts.security == "starttls":
            smtp.starttls(context=context)
        return smtp

    def send(self, message: ChannelMessage, to: Sequence[str] = ()) -> str:
        recipients = [*to, *self.options.cc]
        if not recipients:
            raise PermanentChannelError("没有收件地址", "no-address")
        mail = self.build(message, to)
        try:
            smtp = self._connect()
            try:
                if self.options.username:
                    smtp.login(self.options.username, secret(self.options, "password"))
                refused = smtp.send_message(mail, to_addrs=recipients)
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            error = TransientChannelError if all(400 <= c < 500 for c in codes) else None
            raise (error or PermanentChannelError)("收件地址被拒绝", "smtp-rcpt") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentChannelError("SMTP 登录失败", f"smtp-{exc.smtp_code}") from None
        except smtplib.SMTPResponseException as exc:
            kind = TransientChannelError if 400 <= exc.smtp_code < 500 else PermanentChannelError
            raise kind("SMTP 拒绝", f"smtp-{exc.smtp_code}") from None
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise TransientChannelError(f"SMTP 连接失败: {type(exc).__name__}", "smtp") from None
        if refused:
            raise PermanentChannelError(f"部分收件地址被拒绝（{len(refused)}）", "smtp-rcpt")
        return f"smtp accepted for {len(recipients)}"
