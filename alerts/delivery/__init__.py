"""Notification delivery: the outbox and the findings to the channels, once per stable id,
never lost (retries with persisted back-off, fallback channels, coalescing, daily digests).

The stage is `alerts.delivery.stage:NotifyStage`; the worker is `OutboxDelivery`.
"""
