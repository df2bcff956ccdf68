"""The account store's administration without a server: change, disable, reset, the audit
trail's order, and a workflow refusal as the API answers it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from alerts.status import WorkflowError
from alerts.web.audit import AuditLog
from alerts.web.messages import FormError, refusal
from alerts.web.sessions import SessionManager
from alerts.web.users import UserDirectory, UserError
from pipeline.profile import load_profile

DINGAN = load_profile("dingan")


def test_change_disable_and_reset_keep_argon2_and_refuse_logins(stores):
    users = UserDirectory(stores.state)
    users.add("li", "officer", "first-password", "water", DINGAN)
    moved = users.change("li", "officer", "县卫生健康委员会", DINGAN)
    assert (moved.department, moved.department_name) == ("health", "县卫生健康委员会")
    assert users.authenticate("li", "first-password") == moved
    assert users.set_active("li", False).active is False
    assert users.authenticate("li", "first-password") is None
    users.set_active("li", True)
    users.set_password("li", "second-password")
    assert users.authenticate("li", "first-password") is None
    assert users.authenticate("li", "second-password") is not None
    assert stores.state.get("users", "li")["password_hash"].startswith("$argon2")
    with pytest.raises(UserError) as refused:
        users.change("li", "officer", "县不存在局", DINGAN)
    assert "未知部门" in refused.value.zh
    assert users.get("li").department == "health", "a refused change changes nothing"
    with pytest.raises(UserError, match="no user"):
        users.set_active("nobody", False)


def test_sessions_of_one_user_end_together(stores):
    sessions = SessionManager(stores.state)
    a, b, other = sessions.create("li"), sessions.create("li"), sessions.create("wang")
    assert sessions.end_all("li") == 2
    assert (
        sessions.find(sessions.sign(a.sid)) is None and sessions.find(sessions.sign(b.sid)) is None
    )
    assert sessions.find(sessions.sign(other.sid)) is not None


def test_the_audit_trail_lists_newest_first(stores):
    log = AuditLog(stores.state)
    start = datetime(2026, 5, 1, 8, tzinfo=UTC)
    for n in range(12):
        log.record(start + timedelta(minutes=n), "root", "add", f"u{n}", f"新增用户 u{n}")
    latest = log.latest(limit=3)
    assert [e.target for e in latest] == ["u11", "u10", "u9"]
    assert latest[0].at.endswith("+08:00")


def test_a_refusal_answers_with_its_chinese_reason_and_code():
    """The API passes on what the workflow said — no translation at the web's depth."""
    refused = refusal(WorkflowError("c1", "assign", "改派须填写理由", "reason_required"))
    assert refused.status_code == 409
    assert json.loads(refused.body) == {
        "detail": "改派须填写理由",
        "code": "reason_required",
        "step": "assign",
    }
    bad_input = refusal(FormError("c1", "respond", "请填写回应内容"))
    assert bad_input.status_code == 422 and json.loads(bad_input.body)["code"] == "invalid_input"
