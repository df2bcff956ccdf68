"""EmailChannel against a real aiosmtpd server on 127.0.0.1: headers, the stable Message-ID,
Chinese subject and body, STARTTLS with login, implicit TLS, and SMTP failures."""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from alerts.channels import (
    ChannelMessage,
    Evidence,
    Line,
    PermanentChannelError,
    TransientChannelError,
    build_channel,
)
from tests.alerts.channels.receivers import SmtpSink
from tests.servers import free_port


def message() -> ChannelMessage:
    return ChannelMessage(
        message_id="ntc-0123456789abcdef01234567",
        kind="escalation",
        title="超期升级：龙湖镇停水<script>",
        summary="升级: 回应已超期，第 1 级 → 县水务局",
        lines=[Line(label="截止", value="2026-11-22 10:00（北京时间）")],
        evidence=[Evidence(source="定安论坛", title="停水第3天 138****0000", url="http://x.cn/t")],
        link="http://127.0.0.1:8600/cases/case-1",
    )


def channel(port: int, **over):
    raw = {"type": "email", "port": port, "sender": "yuqing@dingan.example", **over}
    return build_channel("mail", raw)


def test_mail_headers_subject_and_body(smtp_sink: SmtpSink) -> None:
    receipt = channel(smtp_sink.port).send(message(), ["water@dingan.example"])
    assert receipt.startswith("smtp accepted")
    ((mail_from, rcpts, _),) = smtp_sink.envelopes
    assert mail_from == "yuqing@dingan.example" and rcpts == ["water@dingan.example"]
    (mail,) = smtp_sink.messages
    assert mail["Message-ID"] == "<ntc-0123456789abcdef01234567@dingan.example>"
    assert mail["Subject"] == "【舆情升级】超期升级：龙湖镇停水<script>"
    assert "定安县舆情监测系统" in mail["From"]
    assert mail["X-Yuqing-Attempt"] == "1"
    text = mail.get_body(("plain",)).get_content()
    assert "回应已超期" in text and "http://127.0.0.1:8600/cases/case-1" in text
    assert "138****0000" in text  # masked upstream, shown as stored
    html = mail.get_body(("html",)).get_content()
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_same_notice_same_message_id(smtp_sink: SmtpSink) -> None:
    mail = channel(smtp_sink.port, message_id_domain="yuqing.dingan.gov.cn")
    mail.send(message(), ["a@dingan.example"])
    mail.send(message().model_copy(update={"attempt": 2}), ["a@dingan.example"])
    ids = {m["Message-ID"] for m in smtp_sink.messages}
    assert ids == {"<ntc-0123456789abcdef01234567@yuqing.dingan.gov.cn>"}


def test_refused_recipient_is_permanent_and_down_server_transient() -> None:
    class Refuser:
        async def handle_RCPT(self, server, session, envelope, address, options):
            return "550 no such user"

    port = free_port()
    controller = Controller(Refuser(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(PermanentChannelError):
            channel(port).send(message(), ["ghost@dingan.example"])
    finally:
        controller.stop()
    with pytest.raises(TransientChannelError):
        channel(free_port()).send(message(), ["a@dingan.example"])


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_smtp(tls_files) -> Iterator[tuple[SmtpSink, int, int]]:
    """A STARTTLS server with login (auth only over TLS) and an implicit-TLS server."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    sink = SmtpSink()
    starttls_port, ssl_port = free_port(), free_port()
    starttls = Controller(
        sink,
        hostname="127.0.0.1",
        port=starttls_port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    implicit = Controller(sink, hostname="127.0.0.1", port=ssl_port, ssl_context=context)
    starttls.start()
    implicit.start()
    try:
        yield sink, starttls_port, ssl_port
    finally:
        starttls.stop()
        implicit.stop()


def test_starttls_login_and_implicit_tls(tls_smtp, monkeypatch) -> None:
    sink, starttls_port, ssl_port = tls_smtp
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    common = {"username": "yuqing", "password_env": "TEST_SMTP_PASSWORD", "verify_tls": False}
    channel(starttls_port, security="starttls", **common).send(message(), ["a@dingan.example"])
    channel(ssl_port, security="ssl", verify_tls=False).send(message(), ["b@dingan.example"])
    assert [rcpts for _, rcpts, _ in sink.envelopes] == [["a@dingan.example"], ["b@dingan.example"]]
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
    with pytest.raises(PermanentChannelError):
        channel(starttls_port, security="starttls", **common).send(message(), ["a@x.example"])
