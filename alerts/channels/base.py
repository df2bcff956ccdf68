"""What a notification channel is: a small plug-in with its own options (ElastAlert2-style).

A channel sends one `ChannelMessage` to its destination and either returns (accepted), or
raises `TransientChannelError` (try again later: rate limited, server busy, network down) or
`PermanentChannelError` (retrying will not help: bad signature, unknown robot, refused
address). Secrets come from environment variables named in the options and are never logged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from alerts.channels.message import ChannelMessage

AddressKind = Literal["email", "phone"]


class ChannelError(Exception):
    """A send that did not go through; `code` is the vendor's answer when there is one."""

    def __init__(self, reason: str, code: str = "", retry_after_s: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}" if self.code else self.reason


class TransientChannelError(ChannelError):
    """Try again later (rate limit, 5xx, timeout, connection refused)."""


class PermanentChannelError(ChannelError):
    """Retrying the same channel will not help: fall back to the recipient's next channel."""


class ChannelOptions(BaseModel):
    """Options every channel has; each channel's `Options` extends this."""

    model_config = ConfigDict(extra="forbid")

    type: str
    timeout_s: float = Field(default=10.0, gt=0, le=120)


def secret(options: BaseModel, field: str) -> str:
    """The value of a secret option: `FIELD` given inline, or the env var named in
    `FIELD_env`. Raises PermanentChannelError naming only the variable, never the value."""
    env_name = getattr(options, f"{field}_env", None) or ""
    if env_name:
        value = os.environ.get(env_name, "")
        if not value:
            raise PermanentChannelError(f"环境变量 {env_name} 未设置（{field}）", "config")
        return value
    inline = getattr(options, field, None)
    if isinstance(inline, SecretStr):
        return inline.get_secret_value()
    return inline or ""


class Channel:
    """Base of every channel. Subclasses set `type_name`, `Options` and `send`."""

    type_name: ClassVar[str] = ""
    Options: ClassVar[type[ChannelOptions]] = ChannelOptions
    # What a recipient must have for this channel (email addresses, phone numbers), or None
    # for a channel whose destination is fixed in its options (a group robot, a webhook).
    address_kind: ClassVar[AddressKind | None] = None

    def __init__(self, name: str, options: ChannelOptions):
        self.name = name
        self.options = options

    @classmethod
    def from_options(cls, name: str, raw: dict[str, Any]) -> Channel:
        return cls(name, cls.Options.model_validate(raw))

    def send(self, message: ChannelMessage, to: Sequence[str] = ()) -> str:
        """Deliver `message` (to `to` when the channel is addressed); returns a short receipt
        for the log. Raises TransientChannelError or PermanentChannelError."""
        raise NotImplementedError

    def __repr__(self) -> str:  # never the options: they may hold secrets
        return f"<{type(self).__name__} {self.name}>"
