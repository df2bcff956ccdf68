"""Checks of what a workflow form submits, before anything runs: departments and towns of the
profile, a reason or line that is not empty, times the office can mean, evidence of this case.
Each failure is a FormError with a Chinese reason; the case stays as it was."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from alerts.localtime import DEFAULT_TIMEZONE, iso_local, zone
from alerts.web.messages import FormError
from pipeline.models import Case
from pipeline.profile import JurisdictionProfile

FUTURE_SLACK = timedelta(minutes=5)  # a PC clock a little ahead is not "in the future"


def text(params: Mapping[str, Any], key: str, default: str = "") -> str:
    value = params.get(key, default)
    if isinstance(value, list):
        value = value[0] if value else default
    return str(value if value is not None else default).strip()


def many(params: Mapping[str, Any], key: str) -> list[str] | None:
    """A list field; None when absent, [] when given empty."""
    if key not in params:
        return None
    value = params[key]
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def required(case_id: str, step: str, value: str, what: str) -> str:
    if not value:
        raise FormError(case_id, step, f"请填写{what}")
    return value


def department_code(
    directory: JurisdictionProfile | None, case_id: str, step: str, value: str, what: str
) -> str:
    """The profile's code of a department given by code or name."""
    if not value:
        raise FormError(case_id, step, f"请选择{what}")
    try:
        if directory is None:
            raise KeyError(value)
        return directory.department(value).code
    except KeyError:
        raise FormError(case_id, step, f"未知部门「{value}」，请从本县部门名录中选择") from None


def town_code(directory: JurisdictionProfile | None, case_id: str, step: str, value: str) -> str:
    try:
        if directory is None:
            raise KeyError(value)
        return directory.town(value).code
    except KeyError:
        raise FormError(case_id, step, f"未知乡镇「{value}」") from None


def local_time_input(
    case_id: str, step: str, value: str, what: str, now: datetime, past_only: bool
) -> str | None:
    """A time from a form (datetime-local is Beijing time, no offset) as ISO 8601; None when
    empty (the step uses now)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FormError(case_id, step, f"{what}格式不对，例如 2026-05-01T09:30") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(DEFAULT_TIMEZONE))
    if past_only and parsed > now + FUTURE_SLACK:
        raise FormError(case_id, step, f"{what}不能晚于现在")
    return iso_local(parsed)


def evidence_ids(case: Case, step: str, chosen: Sequence[str] | None) -> list[str]:
    """Item ids of this case; an id that is not one of its items is refused."""
    unknown = [e for e in chosen or () if e not in case.items]
    if unknown:
        raise FormError(case.case_id, step, f"证据 {unknown[0]} 不是本案的信息")
    return list(chosen or ())
