"""Fixtures of the report tests: a config with real SQLite stores seeded with items and cases,
the dashboard's accounts (one per role), the SMTP sink, and the report CLI run in-process."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from alerts.reports.commands import report
from alerts.web.users import UserDirectory
from pipeline.config import load_settings
from pipeline.models import PoliceHandover, Response, Review
from pipeline.profile import load_profile
from pipeline.storage import open_stores
from tests.alerts.channels.receivers import smtp_sink
from tests.factories import make_case, make_scored

__all__ = ["smtp_sink"]

HOSTILE = "<script>alert(1)</script>谣传龙湖镇水库决堤"
PASSWORD = "correct-horse-battery"
USERS = {  # name → (role, department)
    "mon": ("monitor", None),
    "mon2": ("monitor", None),
    "boss": ("leader", None),
    "root": ("admin", None),
    "officer": ("officer", "water"),
}
DEAD_PORT = 9  # discard: nothing listens on 127.0.0.1:9 here


@dataclass
class Office:
    """A seeded deployment: its config file and where reports are written."""

    config: Path
    out: Path

    def cli(self, *args: str, clock: Callable[[], datetime] | None = None) -> Result:
        """`yuqing report …` with this deployment's config (and a fixed clock if given)."""
        obj = {"clock": clock} if clock else {}
        return CliRunner().invoke(report, [*args, "--config", str(self.config)], obj=obj)

    def ok(self, *args: str) -> Result:
        result = self.cli(*args)
        assert result.exit_code == 0, result.output
        return result

    def draft_weekly(self, actor: str = "mon") -> str:
        """Draft the week of 2026-11-20; returns the report id."""
        self.ok("weekly", "--date", "2026-11-20", "--out", str(self.out), "--as", actor)
        return "weekly-2026-11-16"

    def approved_weekly(self) -> str:
        report_id = self.draft_weekly()
        self.ok("review", report_id, "--as", "mon2")
        self.ok("approve", report_id, "--as", "boss")
        return report_id

    def stores(self):
        return open_stores(load_settings(self.config))


def write_config(tmp_path: Path, smtp_port: int = DEAD_PORT, principal_port: int = 0) -> Path:
    """Embedded backends under tmp_path; stages.notify mails the two leader roles."""
    principal = {"type": "email", "host": "127.0.0.1", "port": principal_port or smtp_port}
    config = {
        "data_dir": str(tmp_path / "data"),
        "profile": "dingan",
        "stages": {
            "alert": {"class": "alerts.stage:AlertStage"},
            "notify": {
                "class": "alerts.delivery.stage:NotifyStage",
                "enabled": False,
                "base_url": "http://127.0.0.1:8620",
                "channels": {
                    "mail": {"type": "email", "host": "127.0.0.1", "port": smtp_port,
                             "sender": "yuqing@dingan.example", "timeout_s": 5},
                    "principal_mail": {**principal, "sender": "yuqing@dingan.example",
                                       "timeout_s": 5},
                },
                "recipients": {
                    "leader_in_charge": {"channels": ["mail"], "email": ["fgld@dingan.example"]},
                    "principal_leader": {"channels": ["principal_mail"],
                                         "email": ["zyld@dingan.example"]},
                },
            },
        },
    }  # fmt: skip
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def seed(config: Path, users: bool = True) -> None:
    stores = open_stores(load_settings(config))
    try:
        stores.items.put_many(
            [make_scored(n) for n in range(3)]
            + [make_scored(9, title=HOSTILE, categories=["rumor", "emergency"])]
        )
        answered = Response(
            kind="statement",
            text="已恢复供水",
            published_at="2026-11-20T14:00:00+08:00",
            review=Review(state="approved"),
        )
        stores.cases.create(make_case(1, responses=[answered]))
        handover = PoliceHandover(
            to="县公安局", at="2026-11-20T12:00:00+08:00", evidence=["item-9"]
        )
        stores.cases.create(
            make_case(9, title=HOSTILE, categories=["rumor"], police_handover=handover)
        )
        if users:
            accounts = UserDirectory(stores.state)
            directory = load_profile("dingan")
            for name, (role, department) in USERS.items():
                accounts.add(name, role, PASSWORD, department, directory)
    finally:
        stores.close()


@pytest.fixture(scope="session")
def seeded_data(tmp_path_factory) -> Path:
    """Seeded once (argon2 hashing is slow on purpose); each test gets a copy."""
    root = tmp_path_factory.mktemp("reports-seed")
    seed(write_config(root))
    return root / "data"


@pytest.fixture
def office(tmp_path: Path, seeded_data: Path) -> Office:
    config = write_config(tmp_path)
    shutil.copytree(seeded_data, tmp_path / "data")
    return Office(config, tmp_path / "out")
