"""`yuqing clean FILE…`: print the cleaned main text of HTML or text files, as a crawler stores it.

Registered through the `yuqing.commands` entry point; a file that cannot be read is reported
on stderr and the command exits 1 after cleaning the others.
"""

from __future__ import annotations

import re
from pathlib import Path

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
