"""recipients.resolve names the leaders of the jurisdiction profile; a leader role nobody is
named for stays generic and is never routed to the lead department's code."""

from __future__ import annotations

from alerts.recipients import directory_for, resolve
from tests.factories import make_case

LEADERS = ["leader_in_charge", "principal_leader"]


def test_leaders_are_named_from_the_profile() -> None:
    water = make_case(1)  # lead: 县水务局, overseen by 吴某某
    in_charge, principal = resolve(LEADERS, water, directory_for("dingan"))
    assert (in_charge["code"], in_charge["person"], in_charge["oversees"]) == (
        "vice_rural",
        "吴某某",
        "water",
    )
    assert in_charge["name"] == "吴某某（副县长）" and in_charge["wecom"] == "demo_wu"
    assert (principal["code"], principal["person"]) == ("county_head", "张某某")
    assert "oversees" not in principal


def test_a_leader_nobody_is_named_for_has_no_department_code() -> None:
    dingan = directory_for("dingan")
    assert dingan is not None
    unnamed = dingan.model_copy(update={"leaders": None})
    generic = [
        {"role": "leader_in_charge", "code": "", "name": "分管领导"},
        {"role": "principal_leader", "code": "", "name": "主要领导"},
    ]
    assert resolve(LEADERS, make_case(1), unnamed) == generic
    assert resolve(LEADERS, make_case(2), None) == generic
    stranger = {"code": "no_such_dept", "name": "某局", "role": "lead", "why": ""}
    (leader,) = resolve(["leader_in_charge"], make_case(3, lead_department=stranger), dingan)
    assert leader == generic[0]


def test_office_contacts_are_named_only_in_a_report_up() -> None:
    dingan = directory_for("dingan")
    plain = resolve(["news_office"], make_case(1), dingan)
    assert plain == [{"role": "news_office", "code": "propaganda", "name": "县委宣传部"}]
    (office,) = resolve(["news_office"], make_case(1), dingan, report_up=True)
    assert office["name"] == "县委宣传部（孙某某）" and office["person"] == "孙某某"
