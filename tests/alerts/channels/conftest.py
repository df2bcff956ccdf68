"""Fixtures of the channel tests: the local robot/webhook receiver and the SMTP sink."""

from tests.alerts.channels.receivers import receiver, smtp_sink

__all__ = ["receiver", "smtp_sink"]
