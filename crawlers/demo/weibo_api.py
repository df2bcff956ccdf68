"""The demo Weibo-like JSON API: `/weibo/2/search/topics.json`, status objects shaped like the
open API's (created_at "Tue May 31 17:46:55 +0800 2011", user, *_count, retweeted_status),
cursor-paged with `max_id`, and an access token required like the real one.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from crawlers.demo.content import parse_ago

DEMO_TOKEN = "demo-weibo-token"


def weibo_time(dt: datetime) -> str:
    return dt.strftime("%a %b %d %H:%M:%S %z %Y")


class WeiboApi:
    def __init__(self, raw: dict[str, Any], now: datetime):
        self.users = raw["users"]
        self.page_size = int(raw.get("page_size", 8))
        self.now = now
        self.updated = False  # set by DemoSites.publish_updates(): counters move on
        self.statuses = sorted(raw["statuses"], key=lambda s: parse_ago(s["ago"]))
        self.by_id = {s["id"]: s for s in self.statuses}

    def status(self, s: dict[str, Any], nested: bool = False) -> dict[str, Any]:
        counts = {**s, **(s.get("update") or {})} if self.updated else s
        user = self.users[s["user"]]
        out: dict[str, Any] = {
            "created_at": weibo_time(self.now - parse_ago(s["ago"])),
            "id": s["id"],
            "idstr": str(s["id"]),
            "mid": str(s["id"]),
            "text": s["text"],
            "source": '<a href="https://weibo.com/" rel="nofollow">微博 weibo.com</a>',
            "user": {"id": user["id"], "idstr": str(user["id"]), **user},
            "reposts_count": counts["reposts"],
            "comments_count": counts["comments"],
            "attitudes_count": counts["likes"],
        }
        original = s.get("retweeted_inline") or self.by_id.get(s.get("retweeted", 0))
        if original and not nested:
            out["retweeted_status"] = self.status(original, nested=True)
        return out

    def render(self, path: str, query: dict[str, str]) -> tuple[int, str] | None:
        if path != "/weibo/2/search/topics.json":
            return None
        if query.get("access_token") != DEMO_TOKEN:
            return 401, json.dumps({"error": "invalid_access_token", "error_code": 21332})
        start = 0
        if max_id := query.get("max_id"):
            ids = [str(s["id"]) for s in self.statuses]
            if max_id not in ids:
                return 400, json.dumps({"error": "bad max_id", "error_code": 10017})
            start = ids.index(max_id)
        chunk = self.statuses[start : start + self.page_size]
        rest = self.statuses[start + self.page_size :]
        body = {
            "statuses": [self.status(s) for s in chunk],
            "next_cursor": rest[0]["id"] if rest else 0,
            "total_number": len(self.statuses),
        }
        return 200, json.dumps(body, ensure_ascii=False)
