"""The watched drop folder: JSONL and CSV rows become Items through a real crawl pass; bad rows
are reported with their line number and kept aside, imported files move to done/."""

from __future__ import annotations

import json

import yaml

from crawlers.dropfolder import DropFolderImporter
from crawlers.sources import load_sources
from pipeline.config import load_settings
from tests.crawlers.conftest import BusReader, crawl, write_config

JSONL = "\n".join([
    json.dumps({"id": "tv-1", "title": "定安新闻联播", "text": "县领导检查防汛工作。",
                "published_at": "2025-09-01T19:00:00+08:00", "source_type": "tv"}, ensure_ascii=False),
    "{not json",
    json.dumps({"text": "龙湖镇征收公告张贴到村。", "metrics": {"views": 10}}, ensure_ascii=False),
    json.dumps({"id": "bad-time", "text": "时间没有时区", "published_at": "2025-09-01 10:00"}),
    "",
])  # fmt: skip
CSV = (
    "id,title,text,published_at,metrics.views,extra.paper_page\n"
    "p-1,县城供水管网改造,定城镇老旧供水管网改造开工。,2025-09-02T07:00:00+08:00,1200,A3\n"
    "p-2,缺一列,只有三个值\n"
    'p-3,"多出一列",正文,2025-09-02T07:00:00+08:00,1,A1,多余\n'
)


def test_rows_become_items_and_bad_rows_are_kept_aside(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "tv.jsonl").write_text(JSONL, encoding="utf-8")
    (inbox / "paper.csv").write_text(CSV, encoding="utf-8")
    (inbox / "notes.txt").write_text("not an import", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [{"name": "报纸电视导入", "spider": "drop_folder",
                                                    "source_type": "print", "path": "${INBOX}"}]},
                                      allow_unicode=True), encoding="utf-8")  # fmt: skip
    settings = load_settings(write_config(tmp_path), env={})
    report = crawl(settings, load_sources(sources, env={"INBOX": str(inbox)}))
    items = {i["id"]: i for i in BusReader(settings.data_dir).items()}
    assert report.emitted == 4 == len(items)
    assert items["tv-1"]["source_type"] == "tv" and items["tv-1"]["source_name"] == "报纸电视导入"
    assert items["p-1"]["metrics"]["views"] == 1200 and items["p-1"]["extra"]["paper_page"] == "A3"
    assert items["p-2"]["text"] == "只有三个值" and items["p-2"]["source_type"] == "print"
    rejected = [json.loads(x) for x in (inbox / "rejected" / "tv.jsonl.rejected.jsonl")
                .read_text(encoding="utf-8").splitlines()]  # fmt: skip
    assert [(r["line"], r["error"][:19]) for r in rejected] == [
        (2, "not JSON: Expecting"), (4, "not a valid Item: p")]  # fmt: skip
    assert rejected[0]["raw"] == "{not json"
    csv_bad = (inbox / "rejected" / "paper.csv.rejected.jsonl").read_text(encoding="utf-8")
    assert '"line": 4' in csv_bad and "more cells than header columns" in csv_bad
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["paper.csv", "tv.jsonl"]
    assert [p.name for p in inbox.iterdir() if p.is_file()] == ["notes.txt"]


def test_importer_gives_stable_ids_to_rows_without_one(tmp_path):
    importer = DropFolderImporter(tmp_path, {"source_type": "other", "source_name": "x"})
    a = importer.to_item({"text": "同一条", "url": "http://a/1"})
    b = importer.to_item({"text": "同一条", "url": "http://a/1"})
    assert a.id == b.id and a.published_at == a.crawled_at
