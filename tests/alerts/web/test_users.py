"""Accounts, sessions and the visibility rules without a server: argon2 hashes only, the
department checked against the jurisdiction profile, signed cookies, expiry, officer scope."""

from __future__ import annotations

import time

import pytest

from alerts.web.access import can_see, may_take, review_levels
from alerts.web.sessions import SessionManager
from alerts.web.users import User, UserDirectory, UserError
from pipeline.models import Case, DepartmentRef, Jurisdiction
from pipeline.profile import load_profile

DINGAN = load_profile("dingan")


def test_users_are_stored_with_argon2_hashes_only(stores):
    users = UserDirectory(stores.state)
    user = users.add("Zhang.San", "officer", "s3cret-pass", "县水务局", DINGAN)
    assert (user.username, user.department, user.department_name) == (
        "zhang.san",
        "water",
        "县水务局",
    )
    record = stores.state.get("users", "zhang.san")
    assert record["password_hash"].startswith("$argon2") and "s3cret-pass" not in str(record)
    assert users.authenticate("zhang.san", "s3cret-pass") == user
    assert users.authenticate("zhang.san", "wrong-pass") is None
    assert users.authenticate("nobody", "s3cret-pass") is None
    with pytest.raises(UserError, match="already exists"):
        users.add("zhang.san", "monitor", "another-pass")


@pytest.mark.parametrize(
    ("role", "password", "department", "message"),
    [
        ("officer", "long-enough", None, "one department"),
        ("officer", "long-enough", "县不存在局", "unknown department"),
        ("boss", "long-enough", None, "unknown role"),
        ("monitor", "short", None, "at least"),
    ],
)
def test_bad_users_are_refused(stores, role, password, department, message):
    with pytest.raises(UserError, match=message):
        UserDirectory(stores.state).add("x", role, password, department, DINGAN)


def test_sessions_are_signed_server_side_and_expire(stores):
    sessions = SessionManager(stores.state, lifetime=0.5)
    session = sessions.create("mon")
    cookie = sessions.sign(session.sid)
    assert sessions.find(cookie).username == "mon"
    assert sessions.find(session.sid + ".forged") is None
    assert sessions.find(session.sid) is None
    sessions.end(session)
    assert sessions.find(cookie) is None
    later = sessions.create("mon")
    time.sleep(0.6)
    assert sessions.find(sessions.sign(later.sid)) is None


def _case(lead: str, *co: str) -> Case:
    return Case(
        case_id="c1",
        profile="dingan",
        event_id="e1",
        title="t",
        jurisdiction=Jurisdiction(name="定安县", code="469021", level="county"),
        lead_department=DepartmentRef(code=lead, name=lead, role="lead"),
        co_departments=[DepartmentRef(code=c, name=c) for c in co],
        detected_at="2026-11-20T10:00:00+08:00",
        opened_at="2026-11-20T10:00:00+08:00",
    )


def test_officers_see_and_act_only_for_their_department():
    water, police = User("w", "officer", "water"), User("p", "officer", "public_security")
    monitor, leader = User("m", "monitor"), User("l", "leader")
    case = _case("water", "town_longhu")
    assert can_see(water, case) and not can_see(police, case) and can_see(leader, case)
    assert can_see(User("t", "officer", "town_longhu"), case)
    assert may_take(water, "ack", case) and not may_take(water, "confirm", case)
    assert may_take(monitor, "confirm", case) and not may_take(monitor, "ack", case)
    assert not may_take(police, "respond", case)
    assert review_levels(water, case) == ["first", "second"]
    assert review_levels(User("t", "officer", "town_longhu"), case) == ["cosign"]
    assert review_levels(leader, case) == ["final"]
