"""Load the demo sites' content from the YAML files beside this module.

Content is data, not code, so the next issue can grow it; times are written relative to the
server's start (`ago: 2d3h`) so the demo always looks current.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).parent / "content"
_AGO = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_ago(text: str) -> timedelta:
    """'2d3h' → 2 days 3 hours; '40m' → 40 minutes."""
    match = _AGO.match(str(text).strip())
    if not match or not any(match.groups()):
        raise ValueError(f"bad relative time {text!r} (expected e.g. '2d3h', '5h', '40m')")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def paragraphs(body: str) -> list[str]:
    return [line.strip() for line in str(body).splitlines() if line.strip()]


@dataclass(frozen=True)
class Notice:
    doc: int
    column: str
    title: str
    publisher: str
    doc_no: str
    published: datetime
    body: list[str]
    intent: str
    tampered: bool = False  # an injected SEO spam line (a defaced page)
    traditional: bool = False  # rendered by a traditional-character converter with pinyin

    def path(self) -> str:
        return f"/gov/{self.column}/{self.published:%Y%m}/t{self.published:%Y%m%d}_{self.doc}.html"


@dataclass(frozen=True)
class Post:
    pid: int
    author: str
    posted: datetime
    body: list[str]


@dataclass(frozen=True)
class Thread:
    tid: int
    fid: int
    title: str
    views: int
    intent: str
    posts: list[Post]  # the first post, then the replies in time order

    @property
    def first(self) -> Post:
        return self.posts[0]

    @property
    def replies(self) -> list[Post]:
        return self.posts[1:]


@dataclass
class GovContent:
    site: dict[str, Any]
    columns: dict[str, str]  # code → name
    page_size: int
    notices: list[Notice] = field(default_factory=list)

    def in_column(self, code: str) -> list[Notice]:
        return sorted(
            (n for n in self.notices if n.column == code), key=lambda n: n.published, reverse=True
        )


@dataclass
class ForumContent:
    forum: dict[str, Any]
    boards: list[dict[str, Any]]
    threads: list[Thread] = field(default_factory=list)

    def board(self, fid: int) -> dict[str, Any] | None:
        return next((b for b in self.boards if b["fid"] == fid), None)

    def thread(self, tid: int) -> Thread | None:
        return next((t for t in self.threads if t.tid == tid), None)

    def in_board(self, fid: int) -> list[Thread]:
        """Threads of a board, the most recently answered first (as Discuz lists them)."""
        threads = [t for t in self.threads if t.fid == fid]
        return sorted(threads, key=lambda t: t.posts[-1].posted, reverse=True)


def _read(name: str, content_dir: Path) -> dict[str, Any]:
    with open(content_dir / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_gov(now: datetime, content_dir: Path = CONTENT_DIR) -> GovContent:
    raw = _read("gov.yaml", content_dir)
    content = GovContent(
        site=raw["site"],
        columns={c["code"]: c["name"] for c in raw["columns"]},
        page_size=int(raw.get("page_size", 10)),
    )
    for n in raw["notices"]:
        content.notices.append(
            Notice(
                doc=int(n["doc"]),
                column=n["column"],
                title=n["title"],
                publisher=n["publisher"],
                doc_no=n.get("doc_no") or "",
                published=now - parse_ago(n["ago"]),
                body=paragraphs(n["body"]),
                intent=n.get("intent", ""),
                tampered=bool(n.get("tampered")),
                traditional=bool(n.get("traditional")),
            )
        )
    return content


def load_site(name: str, content_dir: Path = CONTENT_DIR) -> dict[str, Any]:
    """A site's raw content (news, hotline, weibo, blog): its renderer resolves the times."""
    return _read(f"{name}.yaml", content_dir)


def load_forum(now: datetime, content_dir: Path = CONTENT_DIR) -> ForumContent:
    raw = _read("forum.yaml", content_dir)
    content = ForumContent(forum=raw["forum"], boards=raw["boards"])
    for t in raw["threads"]:
        first = Post(0, t["author"], now - parse_ago(t["ago"]), paragraphs(t["body"]))
        replies = [
            Post(int(r["pid"]), r["author"], now - parse_ago(r["ago"]), paragraphs(r["body"]))
            for r in t.get("replies") or []
        ]
        # The first post's pid precedes its replies' (Discuz numbers posts in order).
        first = Post(t["tid"] * 10, first.author, first.posted, first.body)
        posts = [first, *sorted(replies, key=lambda p: p.posted)]
        content.threads.append(
            Thread(
                int(t["tid"]),
                int(t["fid"]),
                t["title"],
                int(t["views"]),
                t.get("intent", ""),
                posts,
            )
        )
    return content
