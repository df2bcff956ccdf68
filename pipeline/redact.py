"""Keep secrets and personal data out of logs and messages.

`redact(text)` hides the password of any `scheme://user:password@host` URL, the value of
secret-looking query parameters (`?access_token=…`, `&key=…`), bearer tokens, pydantic's
`input_value=…` echo of a rejected record (it may hold an item's raw, unmasked text), and every
secret value registered with `add_secrets`. `install(settings)` registers the secrets of the
loaded settings and the environment, and redacts every log record of the process.

Secrets are found by name, never by importing the stages: an environment variable or a config
key whose name has a word like PASSWORD, TOKEN, SECRET or KEY holds one, and so does the
variable named by any `*_env` option (how the notify channels read SMTP passwords, robot
URLs and signing secrets).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

MASK = "***"
MIN_SECRET_LEN = 4  # shorter values are not treated as secrets (they would mask common words)
SECRET_WORDS = (
    "password",
    "passwd",
    "token",
    "secret",
    "key",
    "credential",
    "credentials",
    "webhook",
)

_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:@/'\"<>]*):[^\s/'\"<>]*@")
_SECRET_PARAM = re.compile(
    r"(?i)([?&;][^=&\s'\"#]*?(?:key|token|secret|password|passwd|pwd|sign|signature)=)"
    r"[^&\s'\"#<>]+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}")
_INPUT_VALUE = re.compile(r"input_value=.*?, input_type=")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def is_secret_name(name: str) -> bool:
    """True for names like SMTP_PASSWORD, api_key, accessToken, webhook_url."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    words = [w for w in _WORD_SPLIT.split(spaced) if w]
    return any(w == s or w.endswith(s) for w in words for s in SECRET_WORDS)


def url_secrets(url: str) -> list[str]:
    """The password of `scheme://user:password@host…` and the values of its secret-named
    query parameters (`?access_token=…`, `&key=…`)."""
    try:
        parts = urlsplit(url.strip())
        password = parts.password
    except ValueError:
        return []
    found = [unquote(password)] if password else []
    found += [v for k, v in parse_qsl(parts.query) if is_secret_name(k)]
    return found


def add_secrets(values: Iterable[str | None]) -> None:
    """Register values to hide wherever they appear (too short ones are ignored)."""
    global _pattern
    fresh = set()
    for value in values:
        if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LEN:
            value = value.strip()
            fresh |= {value, quote(value, safe=""), quote(value)}
    with _lock:
        if fresh - _secrets:
            _secrets.update(fresh)
            ordered = sorted(_secrets, key=len, reverse=True)  # longest first
            _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def clear_secrets() -> None:
    """Forget every registered value (for tests)."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pattern = None


def redact(text: Any) -> str:
    """`text` with credentials in URLs, secret parameters and registered secrets masked."""
    text = str(text)
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _URL_PASSWORD.sub(rf"\1:{MASK}@", text)
    text = _SECRET_PARAM.sub(rf"\1{MASK}", text)
    text = _BEARER.sub(rf"\1 {MASK}", text)
    return _INPUT_VALUE.sub("input_value=…, input_type=", text)


def secrets_in_env(env: Mapping[str, str]) -> list[str]:
    """Values of the variables whose names say they hold a secret, and URL passwords."""
    found = [v for k, v in env.items() if is_secret_name(k)]
    for value in env.values():
        if "://" in value:
            found += url_secrets(value)
    return found


def secrets_in_config(data: Any, env: Mapping[str, str]) -> list[str]:
    """Secret values in loaded settings (a pydantic model or plain data): values of
    secret-named keys, variables named by `*_env` keys, and passwords of URLs."""
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json", by_alias=True)
    found: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            key = str(key)
            if key.endswith("_env") and isinstance(value, str):
                found += [env.get(value, ""), *url_secrets(env.get(value, ""))]
            elif is_secret_name(key) and isinstance(value, str):
                found += [value, *url_secrets(value)]
            else:
                found += secrets_in_config(value, env)
    elif isinstance(data, list | tuple):
        for value in data:
            found += secrets_in_config(value, env)
    elif isinstance(data, str) and "://" in data:
        found += url_secrets(data)
    elif hasattr(data, "get_secret_value"):
        found.append(data.get_secret_value())
    return found


def redact_record(record: logging.LogRecord) -> None:
    """Render the record's message, exception and stack with secrets masked (in place)."""
    if getattr(record, "_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it for logging to report
        return
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._redacted = True


class RedactingFilter(logging.Filter):
    """Masks secrets in every record that passes; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


FILTER = RedactingFilter()


def _record_factory(base: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        redact_record(record)
        return record

    factory._yuqing_redacting = True  # type: ignore[attr-defined]
    return factory


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(exc_type, exc, tb))))


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread else "?"
    text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    sys.stderr.write(redact(f"Exception in thread {name}:\n{text}"))


def install(settings: Any = None, env: Mapping[str, str] | None = None) -> None:
    """Register the secrets of `settings` and the environment, and redact every log record
    (whatever logger or handler it goes through) and uncaught exception of this process."""
    env = os.environ if env is None else env
    add_secrets(secrets_in_env(env))
    if settings is not None:
        add_secrets(secrets_in_config(settings, env))
    if not getattr(logging.getLogRecordFactory(), "_yuqing_redacting", False):
        logging.setLogRecordFactory(_record_factory(logging.getLogRecordFactory()))
    for handler in logging.getLogger().handlers:
        if FILTER not in handler.filters:
            handler.addFilter(FILTER)
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
