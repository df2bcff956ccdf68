"""Several counties in one deployment (定安, 屯昌, 海南省 above them): a case's notices take the
routes of the case's own profile — `COUNTY.KEY` for a county other than the default — through
the real notify stage to a real SMTP server (aiosmtpd) and a real signed webhook receiver; a
county without a route of its own is refused (and `yuqing notify --status` says why), never
sent to another county's leaders or departments."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from alerts.alarms import AlarmPlanner
from alerts.delivery.commands import notify
from alerts.notices import Outbox
from alerts.policy import load_policy
from pipeline.cli import build_stage
from pipeline.config import load_settings
from pipeline.models import Case
from pipeline.profile import load_profile
from pipeline.runner import run_once
from pipeline.storage.sqlite import open_sqlite_stores
from tests.alerts.channels.receivers import HOOK_SECRET, RobotReceiver, SmtpSink
from tests.alerts.delivery.conftest import mail_channel, write_notify_config
from tests.factories import make_case

FAST = {"tick_interval_s": 0.2, "digest": {"enabled": False}, "retry": {"first_s": 0.2}}
TC_TOWN = {"name": "屯城镇", "code": "469022100", "level": "town"}
HN = {"name": "海南省", "code": "460000", "level": "province"}


def county_hook(receiver: RobotReceiver, county: str) -> dict[str, Any]:
    """The county news office's own robot (one signed webhook endpoint, told apart by query)."""
    return {"type": "webhook", "url": receiver.url(f"/hook?to={county}"), "secret": HOOK_SECRET}


def routes(county: str = "", leader: str = "") -> dict[str, Any]:
    """A county's routes: its office robot, the government office by mail (the address from
    the county's own profile), the leader in charge by mail at `leader`."""
    prefix = f"{county}." if county else ""
    return {
        f"{prefix}news_office": {"channels": [f"hook_{county or 'dingan'}"]},
        f"{prefix}government_office": {"channels": ["mail"]},
        f"{prefix}leader_in_charge": {"channels": ["mail"], "email": [leader]},
    }


def deployment(
    tmp_path: Path, smtp: SmtpSink, receiver: RobotReceiver, *counties: str, **notify: Any
) -> Path:
    """定安 (default) and 屯昌 under 海南省, with routes for 定安 and for `counties`."""
    recipients = routes(leader="fgld@dingan.example")
    for county in counties:
        recipients |= routes(county, f"fgld@{county}.example")
    channels = {"mail": mail_channel(smtp)}
    channels |= {f"hook_{c}": county_hook(receiver, c) for c in ("dingan", "tunchang", "hainan")}
    options = {**FAST, "channels": channels, "recipients": recipients, **notify}
    path = write_notify_config(tmp_path, options)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.update(profiles=["dingan", "tunchang"], superior="hainan")
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def report_up(n: int, profile: str, **over: Any) -> Case:
    """A case whose 即时呈报 is due, with the report-up notice the alert stage plans for it
    (recipients named from the case's own profile)."""
    now = datetime.now(UTC)
    due = (now + timedelta(hours=1)).isoformat()
    clock = {"name": "report_up", "due_at": due, "rule": "即时呈报: 1 h"}
    case = make_case(n, profile=profile, clocks=[clock], **over)
    directory = load_profile(profile)
    planned = AlarmPlanner(load_policy(directory.policy), directory).plan(case, now)
    assert planned is not None
    return planned


def seed(config: Path, *cases: Case) -> None:
    settings = load_settings(config)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stores = open_sqlite_stores(settings.store_path)
    try:
        for case in cases:
            stores.cases.create(case)
            Outbox(stores.state).put_case(case)
    finally:
        stores.close()


def run_notify(config: Path) -> None:
    run_once(build_stage(load_settings(config), "notify"))


def mail_to(smtp: SmtpSink, title: str) -> set[str]:
    """Who got mail about the case titled `title` (SMTP envelope recipients)."""
    found: set[str] = set()
    for (_, rcpts, _), mail in zip(smtp.envelopes, smtp.messages, strict=True):
        if title in mail["Subject"]:
            found |= set(rcpts)
    return found


def hooks_to(receiver: RobotReceiver, title: str) -> set[str]:
    """Which county robots got a message about the case titled `title`."""
    return {r.query["to"] for r in receiver.on("/hook") if title in r.json["title"]}


def status(config: Path) -> dict[str, Any]:
    result = CliRunner().invoke(notify, ["--status", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{") :])


TC = {"jurisdiction": TC_TOWN, "title": "屯城镇自来水发黄 21", "co_departments": []}


def test_each_county_report_up_reaches_its_own_leaders_and_offices(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    config = deployment(tmp_path, smtp_sink, receiver, "tunchang")
    tunchang, dingan = report_up(21, "tunchang", **TC), report_up(1, "dingan")
    recipients = tunchang.timeline[-1].detail["recipients"]
    tc_leader = next(r for r in recipients if r["role"] == "leader_in_charge")
    assert tc_leader["code"] == "vice_rural"  # the same leader id as 定安's: routes must differ
    seed(config, tunchang, dingan)
    run_notify(config)

    assert mail_to(smtp_sink, tunchang.title) == {
        "fgld@tunchang.example",
        "gov-office@tunchang.example",  # from 屯昌's profile, not 定安's
    }
    assert hooks_to(receiver, tunchang.title) == {"tunchang"}
    assert mail_to(smtp_sink, dingan.title) == {"fgld@dingan.example", "gov-office@dingan.example"}
    assert hooks_to(receiver, dingan.title) == {"dingan"}

    # A restart sends nothing again: every message went once, under the notice's own id.
    sent = len(smtp_sink.envelopes) + len(receiver.on("/hook"))
    run_notify(config)
    assert len(smtp_sink.envelopes) + len(receiver.on("/hook")) == sent == 6
    ids = {m["Message-ID"].strip("<>").split("@")[0] for m in smtp_sink.messages}
    ids |= {r.headers["idempotency-key"] for r in receiver.on("/hook")}
    assert ids == {c.timeline[-1].detail["message_id"] for c in (tunchang, dingan)}
    assert status(config)["jobs"] == {"sent": 2}


def test_a_county_without_routes_of_its_own_is_refused(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    config = deployment(tmp_path, smtp_sink, receiver)  # routes for 定安 only
    tunchang, dingan = report_up(21, "tunchang", **TC), report_up(1, "dingan")
    seed(config, tunchang, dingan)
    run_notify(config)

    assert mail_to(smtp_sink, tunchang.title) == set()  # not to 定安's leaders either
    assert hooks_to(receiver, tunchang.title) == set()
    assert mail_to(smtp_sink, dingan.title) == {"fgld@dingan.example", "gov-office@dingan.example"}
    shown = status(config)
    assert shown["jobs"] == {"sent": 1, "failed": 1}
    (refused,) = shown["failed"]
    assert refused["profile"] == "tunchang" and refused["title"].endswith(tunchang.title)
    errors = [leg["last_error"] for leg in refused["legs"]]
    assert len(errors) == 3 and all("没有为该对象配置通知通道" in e for e in errors)
    assert any("tunchang.government_office" in e and "屯昌县" in e for e in errors)
    stores = open_sqlite_stores(load_settings(config).store_path)
    try:
        assert stores.state.get("outbox", refused["message_id"])["state"] == "failed"
    finally:
        stores.close()


def test_the_superiors_cross_county_case_goes_to_the_superiors_routes(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    config = deployment(tmp_path, smtp_sink, receiver, "tunchang", "hainan")
    cross = report_up(30, "hainan", title="定安屯昌交界公路塌方 30", jurisdiction=HN)
    seed(config, cross)
    run_notify(config)
    assert hooks_to(receiver, cross.title) == {"hainan"}
    assert "government-office@hainan.example" in mail_to(smtp_sink, cross.title)
    assert not any("dingan" in a or "tunchang" in a for a in mail_to(smtp_sink, cross.title))


def test_one_county_keeps_the_plain_routes(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    """No `profiles`: every notice takes the plain routes, as before counties existed."""
    channels = {"mail": mail_channel(smtp_sink), "hook_dingan": county_hook(receiver, "dingan")}
    recipients = routes(leader="fgld@dingan.example")
    config = write_notify_config(tmp_path, {**FAST, "channels": channels, "recipients": recipients})
    dingan = report_up(1, "dingan")
    seed(config, dingan)
    run_notify(config)
    assert mail_to(smtp_sink, dingan.title) == {"fgld@dingan.example", "gov-office@dingan.example"}
    assert hooks_to(receiver, dingan.title) == {"dingan"}


def test_daily_digest_per_county(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    """Department codes are the same in every county: 屯昌's 水务局 gets 屯昌's cases only."""
    water = {"channels": ["mail"]}
    config = deployment(
        tmp_path,
        smtp_sink,
        receiver,
        "tunchang",
        digest={"enabled": True, "at": "00:00"},
    )
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["stages"]["notify"]["recipients"] |= {"water": water, "tunchang.water": water}
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    seed(config, make_case(1), make_case(21, profile="tunchang", **TC))
    run_notify(config)
    digests = {
        tuple(rcpts): mail.get_body(("plain",)).get_content()
        for (_, rcpts, _), mail in zip(smtp_sink.envelopes, smtp_sink.messages, strict=True)
        if "汇总" in mail["Subject"]
    }
    dingan, tunchang = digests[("water@dingan.example",)], digests[("water@tunchang.example",)]
    assert "龙湖镇停水 1" in dingan and TC["title"] not in dingan
    assert TC["title"] in tunchang and "龙湖镇停水 1" not in tunchang


def test_default_county_keys_and_an_unknown_profile(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    """`dingan.KEY` serves the default county over its plain key (as for reports); a case of a
    profile the deployment does not monitor is refused, not sent through the default's."""
    config = deployment(tmp_path, smtp_sink, receiver, "tunchang")
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    office = {"channels": ["mail"], "email": ["duty@dingan.example"]}
    raw["stages"]["notify"]["recipients"]["dingan.leader_in_charge"] = office
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    dingan = report_up(1, "dingan")
    stray = report_up(5, "dingan", title="外县案件 5").model_copy(update={"profile": "qionghai"})
    seed(config, dingan, stray)
    run_notify(config)
    assert mail_to(smtp_sink, dingan.title) == {"duty@dingan.example", "gov-office@dingan.example"}
    assert mail_to(smtp_sink, stray.title) == set() and hooks_to(receiver, stray.title) == set()
    (refused,) = status(config)["failed"]
    assert refused["profile"] == "qionghai"
    assert all("qionghai" in leg["last_error"] for leg in refused["legs"])
