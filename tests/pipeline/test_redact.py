"""pipeline.redact: credentials in URLs, secret parameters, configured secrets, log records."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator

import pytest

from pipeline import redact as r
from pipeline.config import load_settings


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    r.clear_secrets()
    yield
    r.clear_secrets()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("http://elastic:s3cret@host", "http://elastic:***@host"),
        ("https://elastic:s3cret@es.example:9200/_bulk", "https://elastic:***@es.example:9200/_bulk"),
        ("kafka://user:p%40ss@h1:9092,h2:9092", "kafka://user:***@h1:9092,h2:9092"),
        ("at 'http://u:p@ss@host/x' now", "at 'http://u:***@host/x' now"),
        ("http://host:9200/x", "http://host:9200/x"),
        ("http://token@host/", "http://token@host/"),
        ("/cgi-bin/webhook/send?key=abc-123&x=1", "/cgi-bin/webhook/send?key=***&x=1"),
        ("/robot/send?access_token=abcd1234 failed", "/robot/send?access_token=*** failed"),
        ("?timestamp=1&sign=Zm9vYmFy", "?timestamp=1&sign=***"),
        ("Authorization: Bearer abcdefgh12345", "Authorization: Bearer ***"),
        ("[type=missing, input_value={'text': '张三'}, input_type=dict]",
         "[type=missing, input_value=…, input_type=dict]"),
        ("plain words, a key=value pair, a tokenizer", "plain words, a key=value pair, a tokenizer"),
    ],
)  # fmt: skip
def test_patterns(text: str, expected: str) -> None:
    assert r.redact(text) == expected


def test_registered_secrets_in_any_form() -> None:
    r.add_secrets(["p@ss word!", "ab", None, ""])
    assert r.redact("pw=p@ss word! or p%40ss%20word%21") == "pw=*** or ***"
    assert r.redact("ab is too short to be a secret") == "ab is too short to be a secret"


def test_longest_secret_wins() -> None:
    r.add_secrets(["secret", "secret-and-more"])
    assert r.redact("x secret-and-more y") == "x *** y"


@pytest.mark.parametrize(
    "name,secret",
    [
        ("YUQING_SMTP_PASSWORD", True),
        ("YUQING_DINGTALK_SECRET", True),
        ("YUQING_SMS_TOKEN", True),
        ("api_key", True),
        ("accessToken", True),
        ("webhook", True),
        ("author", False),
        ("tokenizer", False),
        ("keywords", False),
        ("auth_name", False),
        ("YUQING_BUS", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert r.is_secret_name(name) is secret


def test_secrets_of_a_notify_config(tmp_path) -> None:
    config = tmp_path / "yuqing.yaml"
    config.write_text(
        """
store: http://elastic:es-Pass-1@127.0.0.1:9
bus: kafka://kuser:kafka-Pass-2@127.0.0.1:9
stages:
  notify:
    class: alerts.delivery.stage:NotifyStage
    channels:
      mail: {type: email, password: smtp-Pass-3, sender: a@b.example}
      ding: {type: dingtalk, webhook_env: DING_URL, secret_env: DING_SECRET}
      hook: {type: webhook, url: "http://h/x?access_token=tok-Pass-4", secret: hook-Pass-5}
""",
        encoding="utf-8",
    )
    env = {"DING_URL": "https://oapi.example/robot/send?access_token=ding-Tok-6",
           "DING_SECRET": "SECding-7", "UNRELATED": "hello-world"}  # fmt: skip
    found = set(r.secrets_in_config(load_settings(config, env=env), env))
    assert {
        "es-Pass-1",
        "kafka-Pass-2",
        "smtp-Pass-3",
        "tok-Pass-4",
        "hook-Pass-5",
        env["DING_URL"],
        "ding-Tok-6",
        "SECding-7",
    } <= found
    assert "hello-world" not in found and "a@b.example" not in found


def test_secrets_in_env() -> None:
    env = {"MY_API_KEY": "k-123456", "YUQING_STORE": "http://e:pw-env@h", "HOME": "/root"}
    assert set(r.secrets_in_env(env)) == {"k-123456", "pw-env"}


def emit(logger: logging.Logger, stream: io.StringIO, *args, **kwargs) -> str:
    logger.error(*args, **kwargs)
    return stream.getvalue()


def test_filter_redacts_message_args_and_exception() -> None:
    r.add_secrets(["hunter2-pw"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(r.RedactingFilter())
    logger = logging.getLogger("test.redact.filter")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        out = emit(logger, stream, "store %s refused %r", "http://u:hunter2-pw@h", {"pw": "x"})
        try:
            raise RuntimeError("login with hunter2-pw failed")
        except RuntimeError:
            out = emit(logger, stream, "failed", exc_info=True)
    finally:
        logger.removeHandler(handler)
    assert "hunter2-pw" not in out
    assert "store http://u:***@h refused {'pw': 'x'}" in out
    assert "RuntimeError: login with *** failed" in out and "Traceback" in out


def test_install_covers_loggers_with_their_own_handlers() -> None:
    """A logger that does not propagate (uvicorn's, say) is redacted too: the record factory."""
    before = logging.getLogRecordFactory(), sys.excepthook, threading.excepthook
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.redact.own")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        r.install(env={"X_TOKEN": "tok-abcdef"})
        emit(logger, stream, "GET /api?t=%s", "tok-abcdef")
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(before[0])
        sys.excepthook, threading.excepthook = before[1], before[2]
    assert stream.getvalue() == "GET /api?t=***\n"


def test_working_directory_is_not_a_secret() -> None:
    assert r.secrets_in_env({"PWD": "/work/main", "OLDPWD": "/root"}) == []
