"""The crawler's commands: `yuqing clean FILE…` (the cleaned main text of HTML or text files,
as a crawler stores it) and `yuqing sources` (every source with its health).

Registered through the `yuqing.commands` entry point; a file `clean` cannot read is reported on
stderr and the command exits 1 after cleaning the others.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from crawlers.clean import CleanResult, clean_html, clean_text, decode_html

HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php"}
_HTML_SNIFF = re.compile(rb"<!doctype html|<html[\s>]|<body[\s>]|<head[\s>]", re.I)


def looks_like_html(path: Path, raw: bytes) -> bool:
    return path.suffix.lower() in HTML_SUFFIXES or bool(_HTML_SNIFF.search(raw[:4096]))


def clean_file(path: Path) -> CleanResult:
    """Clean one file; raises OSError when it cannot be read."""
    raw = path.read_bytes()
    if looks_like_html(path, raw):
        return clean_html(raw, url=path.resolve().as_uri())
    return clean_text(decode_html(raw))


@click.command("clean")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--title/--no-title", default=True, help="Print an HTML page's title first.")
def clean(files: tuple[Path, ...], title: bool) -> None:
    """Print the cleaned main text of each HTML or text FILE (simplified characters, no
    boilerplate, converter noise repaired), as a crawler would store it."""
    failed = 0
    several = len(files) > 1
    for i, path in enumerate(files):
        try:
            result = clean_file(path)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            click.echo(f"yuqing clean: {path}: cannot read: {reason}", err=True)
            failed += 1
            continue
        if several:
            click.echo(("\n" if i else "") + f"==> {path} <==")
        if title and result.title:
            click.echo(result.title)
            click.echo()
        click.echo(result.text)
        for warning in result.warnings:
            click.echo(f"yuqing clean: {path}: warning: {warning}", err=True)
    if failed:
        raise click.exceptions.Exit(1)


def _age(value: str | None, now: datetime) -> str:
    if not value:
        return "never"
    seconds = int((now - datetime.fromisoformat(value)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def source_rows(config_path: Path | None, data_dir: Path | None) -> list[dict[str, Any]]:
    """Every source of the crawl stage's sources file, with its health from the state store."""
    from crawlers.health import HealthBook, judge, summarise
    from crawlers.sources import load_sources
    from pipeline.config import load_settings
    from pipeline.storage import open_stores

    settings = load_settings(config_path, data_dir)
    sources_file = settings.stage("crawl").options().get("sources")
    env = {"YUQING_DEMO_URL": "http://127.0.0.1:0", **os.environ}
    sources = load_sources(sources_file, env=env)
    stores = open_stores(settings)
    try:
        book = HealthBook(stores.state)
        now = datetime.now(UTC)
        rows = []
        for s in sources:
            health = book.get(s.name) or {}
            status, why = judge(s, health, now)
            rows.append(
                {
                    "name": s.name,
                    "kind": s.spider,
                    "source_type": s.source_type,
                    "schedule": s.cron or f"every {int(s.interval_s)}s",
                    "status": status,
                    "why": why,
                    "last_success_at": health.get("last_success_at"),
                    "last_attempt_at": health.get("last_attempt_at"),
                    "last_error": health.get("last_error"),
                    **summarise(health, now),
                    "total_items": health.get("total_items", 0),
                }
            )
        return rows
    finally:
        stores.close()


@click.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None)
def sources(as_json: bool, config_path: Path | None, data_dir: Path | None) -> None:
    """List every configured source with its health: status, last success, items per hour,
    error rate (kept by the crawler in the state store)."""
    rows = source_rows(config_path, data_dir)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    now = datetime.now(UTC)
    for r in rows:
        click.echo(
            f"{r['status']:<8} {r['name']:<22} {r['kind']:<13} {r['schedule']:<14} "
            f"last ok {_age(r['last_success_at'], now):<10} {r['items_per_hour']:>7.1f} items/h "
            f"{r['error_rate']:>6.1%} errors" + (f"  ({r['why']})" if r["why"] else "")
        )
