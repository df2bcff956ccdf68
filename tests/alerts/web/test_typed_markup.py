"""Issue #6: markup a user typed survives the pipeline as text and the dashboard shows it
escaped. An item posted to the import endpoint (`POST /api/items`) runs through the real
classify (bundled model) and alert stages on the embedded backends; the stored item keeps
"<script>alert(1)</script>" and "a &lt; b" as written, and the feed and case pages serve
them escaped (Jinja autoescape), never as markup."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from alerts.stage import AlertStage
from alerts.web.commands import users as users_command
from classifiers.stage import ClassifyStage
from crawlers.import_api import context_emitter, create_import_app
from pipeline.config import load_settings
from pipeline.runner import run_once
from pipeline.stage import StageContext
from pipeline.storage.base import CaseQuery
from pipeline.storage.sqlite import open_sqlite_stores

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TOKEN = "typed-markup-import-token"
PASSWORD = "typed-markup-monitor"
TYPED = "<script>alert(1)</script>"
TEXT = (
    f"定安县龙湖镇全镇停水一周了，几百户村民没有自来水喝，县水务局一直不回应。"
    f"有人在论坛发了这段：{TYPED} 看看，还说水压 a &lt; b。"
)
ITEM_ID = "forum-typed-markup-1"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-county config; the item imported over HTTP, then classify and alert run."""
    root = tmp_path_factory.mktemp("typed-markup")
    config = root / "yuqing.yaml"
    stages = {
        "classify": {"class": "classifiers.stage:ClassifyStage", "use_model": True},
        "alert": {"class": "alerts.stage:AlertStage"},
    }
    config.write_text(
        yaml.safe_dump(
            {"data_dir": str(root / "data"), "profile": "dingan", "stages": stages},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    settings = load_settings(config)
    ctx = StageContext(settings)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    item = {"id": ITEM_ID, "source_type": "forum", "source_name": "定安论坛",
            "title": f"龙湖镇停水 {TYPED}", "text": TEXT, "published_at": now}  # fmt: skip
    try:
        with TestClient(create_import_app(context_emitter(ctx), TOKEN)) as api:
            posted = api.post(
                "/api/items", json=[item], headers={"Authorization": f"Bearer {TOKEN}"}
            )
        assert posted.status_code == 200, posted.text
    finally:
        ctx.close()
    classify = ClassifyStage.from_settings(StageContext(settings), settings.stage("classify"))
    assert run_once(classify) == 1
    run_once(AlertStage.from_settings(StageContext(settings), settings.stage("alert")))
    added = CliRunner().invoke(
        users_command, ["add", "mon", "--role", "monitor", "--config", str(config)],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    return config


@pytest.fixture(scope="module")
def web(deployment: Path):
    from alerts.web.app import create_app

    with TestClient(create_app(load_settings(deployment))) as client:
        response = client.post("/api/login", json={"username": "mon", "password": PASSWORD})
        assert response.status_code == 200, response.text
        yield client


def stored(config: Path):
    stores = open_sqlite_stores(load_settings(config).store_path)
    try:
        return stores.items.get(ITEM_ID), stores.cases.list(CaseQuery(limit=100))
    finally:
        stores.close()


def test_the_stored_item_keeps_what_was_typed(deployment: Path) -> None:
    scored, _ = stored(deployment)
    assert scored is not None and scored.relevant, scored
    assert f"这段：{TYPED} 看看" in scored.text and "a &lt; b" in scored.text
    assert scored.title == f"龙湖镇停水 {TYPED}"


@pytest.mark.parametrize("page", ["feed", "case"])
def test_pages_show_typed_markup_escaped(deployment: Path, web, page: str) -> None:
    if page == "feed":
        path = "/feed"
    else:
        _, cases = stored(deployment)
        case = next((c for c in cases if ITEM_ID in c.items), None)
        assert case is not None, "the item must open a case (停水 of a whole town)"
        path = f"/cases/{case.case_id}"
    response = web.get(path)
    assert response.status_code == 200, response.text[-500:]
    html = response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert TYPED not in html  # never served as markup
    if page == "case":  # the text itself: "&lt;" typed is shown as the four characters
        assert "a &amp;lt; b" in html
