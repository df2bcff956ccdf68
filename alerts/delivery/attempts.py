"""One delivery attempt of one leg: send through its current channel, then record what
happened — accepted, retry later (exponential back-off, the time persisted on the leg), or
fall back to the next channel of the chain (the failing one is marked down).

When the whole chain failed, it starts over after the longest back-off (a notice is never
dropped quietly) until `give_up_after_h`, when the leg fails and a finding says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from alerts.channels import Channel, PermanentChannelError, TransientChannelError
from alerts.delivery.health import ChannelHealth, FindingSink, finding_id
from alerts.delivery.jobs import DeliveryJob, Leg
from alerts.delivery.options import RetryPolicy
from alerts.delivery.routes import Router
from alerts.localtime import display_local, iso_local
from pipeline.models import Finding, parse_time
from pipeline.redact import redact

log = logging.getLogger("yuqing.notify")
NO_ADDRESS = "no-address"


class LegSender:
    def __init__(
        self,
        channels: dict[str, Channel],
        router: Router,
        policy: RetryPolicy,
        health: ChannelHealth,
        raise_finding: FindingSink,
        routers: Callable[[str], Router] | None = None,
        owner: Callable[[str], str] | None = None,
    ):
        self.channels = channels
        self.router = router
        self.routers = routers  # a job's profile → the router of its addresses (counties.py)
        self.owner = owner  # a job's profile → the profile its findings concern (counties.py)
        self.policy = policy
        self.health = health
        self.raise_finding = raise_finding

    def attempt(self, job: DeliveryJob, leg: Leg, now: datetime) -> None:
        """Try the leg until one send happened or it waits (each channel at most once)."""
        for _ in range(len(leg.chain) + 1):
            if not self._step(job, leg, now) or not leg.due(now):
                return

    def _step(self, job: DeliveryJob, leg: Leg, now: datetime) -> bool:
        """One channel of the chain; True when the leg moved on without sending."""
        if leg.position >= len(leg.chain):
            self._exhausted(job, leg, now)
            return False
        name = leg.chain[leg.position]
        channel = self.channels.get(name)
        if channel is None:
            return self._fall_back(leg, now, f"{name}: 通道未配置")
        last = leg.position == len(leg.chain) - 1
        if self.health.is_down(name, now) and not last:
            return self._fall_back(leg, now, f"{name}: 通道故障中，跳过")
        router = self.routers(job.profile) if self.routers is not None else self.router
        to = router.addresses(leg, channel)
        if channel.address_kind is not None and not to:
            return self._fall_back(leg, now, f"{name}: 对象没有{channel.address_kind}地址")
        target = f"{name}|{','.join(sorted(to))}"
        if target in job.delivered:
            self._accepted(leg, name, now, "同一目标已送达")
            return False
        leg.tries += 1
        message = job.message.model_copy(update={"attempt": leg.tries})
        try:
            receipt = channel.send(message, to)
        except TransientChannelError as exc:
            return self._transient(leg, name, exc, now)
        except PermanentChannelError as exc:
            if exc.code != NO_ADDRESS:
                self.health.mark_down(name, redact(exc), now)
            return self._fall_back(leg, now, f"{name}: {exc}")
        except Exception as exc:  # a bug in a channel must not stop the others
            log.exception("channel %s raised unexpectedly", name)
            return self._transient(leg, name, TransientChannelError(type(exc).__name__), now)
        job.delivered.append(target)
        self.health.mark_up(name)
        self._accepted(leg, name, now, receipt)
        log.info("notice %s delivered via %s (try %d)", job.message_id, name, leg.tries)
        return False

    def _accepted(self, leg: Leg, name: str, now: datetime, receipt: str) -> None:
        leg.state = "sent"
        leg.channel = name
        leg.last_error = ""
        leg.note(f"{iso_local(now)} {name}: 已送达（{receipt}）")

    def _transient(self, leg: Leg, name: str, exc: TransientChannelError, now: datetime) -> bool:
        """Schedule the retry; True when the channel is given up and the leg moved on."""
        leg.attempts += 1
        error = redact(exc)  # a vendor's answer may echo the token it was sent
        leg.last_error = f"{name}: {error}"
        if leg.attempts >= self.policy.attempts_per_channel:
            self.health.mark_down(name, error, now)
            return self._fall_back(leg, now, f"{name}: 连续 {leg.attempts} 次失败（{error}）")
        delay = max(self.policy.delay(leg.attempts), exc.retry_after_s or 0.0)
        leg.next_at = iso_local(now + timedelta(seconds=delay))
        leg.note(f"{iso_local(now)} {name}: {error}，{delay:.0f} 秒后重试")
        log.warning("notice leg %s: %s; retry in %.1fs", leg.key, leg.last_error, delay)
        return False

    def _fall_back(self, leg: Leg, now: datetime, why: str) -> bool:
        why = redact(why)
        leg.note(f"{iso_local(now)} {why}，改用下一通道")
        leg.last_error = why
        leg.position += 1
        leg.attempts = 0
        leg.next_at = iso_local(now)
        return True

    def _exhausted(self, job: DeliveryJob, leg: Leg, now: datetime) -> None:
        created = parse_time(job.created_at)
        gave_up = now - created >= timedelta(hours=self.policy.give_up_after_h)
        if leg.rounds == 0 or gave_up:
            self._undeliverable(job, leg, now, gave_up)
        if gave_up or not leg.chain:
            leg.state = "failed"
            leg.note(f"{iso_local(now)} 放弃：所有通道均未送达")
            return
        leg.rounds += 1
        leg.position = 0
        leg.attempts = 0
        leg.next_at = iso_local(now + timedelta(seconds=self.policy.max_s))
        leg.note(f"{iso_local(now)} 所有通道均失败，{display_local(leg.next_at)} 再试")

    def _undeliverable(self, job: DeliveryJob, leg: Leg, now: datetime, gave_up: bool) -> None:
        """A finding that names the notice: it concerns the notice's county, whose routes
        alone may carry its title (findings.py), never another county's people."""
        if job.message_id.startswith("fnd-und-"):  # about an undeliverable one: it would loop
            log.error("finding %s undeliverable: %s", job.message_id, leg.last_error)
            return
        state = "已放弃" if gave_up else "将继续重试"
        self.raise_finding(
            Finding(
                finding_id=f"und-{finding_id(job.message_id, leg.key, str(gave_up))}",
                kind="notice_undeliverable",
                source=f"notify:{leg.recipient.get('name', leg.key)}",
                detail=(
                    f"通知 {job.message_id}（{job.message.title[:60]}）经所有通道均未送达"
                    f"{leg.recipient.get('name', '')}，{state}；最后错误：{leg.last_error}"
                ),
                found_at=iso_local(now),
                severity="critical",
                profile=self.owner(job.profile) if self.owner is not None else job.profile,
            )
        )
