"""The message a channel sends, and its renderings: plain text, Markdown and HTML.

Composed once by the delivery worker (Chinese, times in Asia/Shanghai) and frozen in the
delivery job, so a resend after a crash carries the same id and the same words. Every piece
of crawled text is escaped here for the format it goes out in: never trusted, never unmasked.
"""

from __future__ import annotations

import html
import re
from typing import Literal

from pydantic import BaseModel, Field

MarkdownFlavor = Literal["wecom", "dingtalk", "feishu", "plain"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#>~|!+\-])")
_SPACES = re.compile(r"\s+")
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$")


def one_line(text: str, limit: int = 200) -> str:
    """Crawled text as one trimmed line (newlines would break a list or a header)."""
    flat = _SPACES.sub(" ", text or "").strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def escape_markdown(text: str) -> str:
    """Neutralise Markdown and the robots' HTML-like tags (<font>, <at>) in crawled text."""
    text = one_line(text, 10_000)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "@\u200b")  # no accidental @mention of a group member


def safe_url(url: str) -> str:
    """An http(s) URL fit for a link target, or "" (javascript:, spaces, quotes refused)."""
    url = (url or "").strip()
    if not _SAFE_URL.match(url):
        return ""
    return url.replace("(", "%28").replace(")", "%29")


class Line(BaseModel):
    """One labelled fact: 类别: 公众切身利益; an optional link (e.g. a case in a digest)."""

    label: str
    value: str
    link: str = ""


class Evidence(BaseModel):
    """One evidence item (already masked upstream): where, what, and its URL."""

    source: str
    title: str
    url: str = ""
    published_at: str = ""


class ChannelMessage(BaseModel):
    """What every channel renders: a title, labelled lines, the evidence and the case link."""

    message_id: str
    kind: str  # escalation, reminder, report_up, finding, digest, update, …
    title: str  # system text (Chinese), may quote crawled text: escaped on render
    summary: str = ""
    lines: list[Line] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    link: str = ""
    created_at: str = ""
    attempt: int = 1  # which delivery attempt this is (1 = first), set per send

    # -- renderings -----------------------------------------------------------------------
    def as_text(self, limit: int | None = None) -> str:
        out = [f"【舆情通知】{one_line(self.title)}"]
        if self.summary:
            out.append(one_line(self.summary, 500))
        for line in self.lines:
            out.append(f"{line.label}：{one_line(line.value, 300)}")
            if line.link:
                out.append(f"  {safe_url(line.link)}")
        if self.evidence:
            out.append("证据：")
            for n, ev in enumerate(self.evidence, 1):
                out.append(f"{n}. {one_line(ev.source, 40)}「{one_line(ev.title, 80)}」")
                if safe_url(ev.url):
                    out.append(f"   {safe_url(ev.url)}")
        if safe_url(self.link):
            out.append(f"案件链接：{safe_url(self.link)}")
        out.append(f"消息编号：{self.message_id}")
        text = "\n".join(out)
        if limit is not None and len(text.encode("utf-8")) > limit:
            text = _truncate_bytes(text, limit)
        return text

    def as_markdown(self, flavor: MarkdownFlavor = "plain", limit: int | None = None) -> str:
        out = [f"### {escape_markdown(self.title)}"]
        if self.summary:
            out.append(escape_markdown(self.summary))
        for line in self.lines:
            value = escape_markdown(line.value)
            url = safe_url(line.link)
            if url:
                value = f"[{value}]({url})"
            out.append(f"**{escape_markdown(line.label)}**：{value}")
        if self.evidence:
            out.append("**证据**：")
            for n, ev in enumerate(self.evidence, 1):
                text = f"{escape_markdown(ev.source)}「{escape_markdown(one_line(ev.title, 80))}」"
                url = safe_url(ev.url)
                out.append(f"{n}\\. [{text}]({url})" if url else f"{n}\\. {text}")
        if safe_url(self.link):
            out.append(f"[查看案件]({safe_url(self.link)})")
        out.append(f"消息编号：{self.message_id}")
        joiner = "\n\n" if flavor == "dingtalk" else "\n"  # DingTalk needs blank lines
        text = joiner.join(out)
        if limit is not None and len(text.encode("utf-8")) > limit:
            text = _truncate_bytes(text, limit)
        return text

    def as_html(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><th align='left'>{esc(line.label)}</th><td>"
            + (
                f"<a href='{esc(safe_url(line.link))}'>{esc(one_line(line.value, 300))}</a>"
                if safe_url(line.link)
                else esc(one_line(line.value, 300))
            )
            + "</td></tr>"
            for line in self.lines
        )
        evidence = "".join(
            "<li>"
            + esc(one_line(ev.source, 40))
            + "「"
            + (
                f"<a href='{esc(safe_url(ev.url))}'>{esc(one_line(ev.title, 80))}</a>"
                if safe_url(ev.url)
                else esc(one_line(ev.title, 80))
            )
            + "」</li>"
            for ev in self.evidence
        )
        parts = [f"<h3>{esc(one_line(self.title))}</h3>"]
        if self.summary:
            parts.append(f"<p>{esc(one_line(self.summary, 500))}</p>")
        if rows:
            parts.append(f"<table>{rows}</table>")
        if evidence:
            parts.append(f"<p>证据：</p><ol>{evidence}</ol>")
        if safe_url(self.link):
            parts.append(f"<p><a href='{esc(safe_url(self.link))}'>查看案件</a></p>")
        parts.append(f"<p style='color:#888'>消息编号：{esc(self.message_id)}</p>")
        return "<html><body>" + "".join(parts) + "</body></html>"


def _truncate_bytes(text: str, limit: int) -> str:
    """Cut at `limit` UTF-8 bytes on a character boundary, marking the cut."""
    marker = "\n…（略）"
    room = max(0, limit - len(marker.encode("utf-8")))
    return text.encode("utf-8")[:room].decode("utf-8", errors="ignore") + marker
