"""SocialApiSpider: JSON APIs (Weibo's open API, a vendor export, a forum's JSON endpoint),
each read through a field mapping in the source's YAML (a preset plus overrides).

Credentials come from the source's `credentials` (env-expanded) and are sent as a query
parameter or header; they are redacted from every log line and never put into an item.
A record the mapping cannot read (the API changed its JSON) is logged with its URL and counted.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator
from scrapy.http import Response

from crawlers.clean import clean_fragment, clean_text, clean_title
from crawlers.mapping import PRESETS, as_int, fill, lookup, parse_time
from crawlers.spiders.base import SourceSpider

METRICS = ("views", "replies", "reposts", "likes")


class SocialApiSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preset: str = ""  # weibo | vendor_export | "" (all from this YAML)
    items: str = ""  # path of the list of records in a response ("" = the response is a list)
    next: str = ""  # path of the next page: a URL, or (with next_param) a cursor
    next_param: str = ""
    page_param: str = ""  # or: page numbers, until a page comes back empty
    id_prefix: str = ""
    time_format: str = ""
    url_template: str = ""
    children: str = ""  # path of each record's replies (items with parent_id = the record)
    fields: dict[str, str] = Field(default_factory=dict)
    auth: str = "none"  # none | query | bearer | header
    auth_name: str = "access_token"  # the query parameter or header name
    # The text field holds HTML (Weibo: links, <br />, a user's "<" escaped as &lt;) or plain
    # text (many exports), where a "<b>" or "<script>" is what the user typed.
    text_format: Literal["html", "text"] = "html"

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("preset"):
            preset = PRESETS.get(data["preset"])
            if preset is None:
                raise ValueError(f"unknown preset {data['preset']!r} (known: {', '.join(PRESETS)})")
            fields = {**preset.get("fields", {}), **(data.get("fields") or {})}
            return {**preset, **data, "fields": fields}
        return data


class SocialApiSpider(SourceSpider):
    name = "social_api"
    Selectors = SocialApiSelectors

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ids_this_pass: set[str] = set()
        secrets = [v.get_secret_value() for v in self.source.credentials.values()]
        install_redaction([s for s in secrets if s])

    async def start(self):
        for url in self.source.start_urls:
            yield self.api_request(url, page=1)

    def api_request(self, url: str, page: int):
        sel = self.selectors
        headers: dict[str, str] = {"Accept": "application/json"}
        token = self.source.secret("token")
        if token and sel.auth == "query":
            url = with_param(url, sel.auth_name, token)
        elif token and sel.auth == "bearer":
            headers["Authorization"] = f"Bearer {token}"
        elif token and sel.auth == "header":
            headers[sel.auth_name] = token
        return self.request(url, self.parse_page, headers=headers, cb_kwargs={"page": page})

    def redact(self, text: str) -> str:
        for secret in self.source.credentials.values():
            value = secret.get_secret_value()
            if value:
                text = text.replace(value, "***")
        return text

    def note_error(self, url: str, reason: str) -> None:
        super().note_error(self.redact(url), self.redact(reason))

    def parse_page(self, response: Response, page: int):
        sel = self.selectors
        try:
            data = json.loads(response.text)
        except ValueError as exc:
            self.note_error(response.url, f"not JSON: {exc}")
            return
        records = lookup(data, sel.items) if sel.items else data
        if not isinstance(records, list):
            self.note_error(response.url, f"no list of records at {sel.items or 'the top'!r}")
            return
        for record in records:
            yield from self.record_items(response.url, record, parent=None)
        if not records:
            return
        next_url = self.next_url(response.url, data, page)
        if next_url and page < self.source.max_pages:
            yield self.api_request(next_url, page + 1)

    def next_url(self, url: str, data: Any, page: int) -> str:
        sel = self.selectors
        clean = without_param(url, sel.auth_name) if sel.auth == "query" else url
        if sel.next:
            value = lookup(data, sel.next)
            if value in (None, "", 0, "0"):
                return ""
            text = str(value)
            if sel.next_param:  # a cursor
                return with_param(clean, sel.next_param, text)
            return urljoin(clean, text)  # a next-page URL, absolute or relative
        if sel.page_param:
            return with_param(clean, sel.page_param, str(page + 1))
        return ""

    def record_items(self, page_url: str, record: Any, parent: str | None):
        sel, f = self.selectors, self.selectors.fields
        raw_id = lookup(record, f.get("id", "id")) if isinstance(record, dict) else None
        text_html = lookup(record, f.get("text", "text"))
        if raw_id is None or not isinstance(text_html, str):
            missing = "id" if raw_id is None else "text"
            self.note_error(page_url, f"record without {missing} at {f.get(missing, missing)!r}")
            return
        prefix = sel.id_prefix or self.source.name
        this_id = f"{prefix}:{raw_id}"
        if this_id in self.ids_this_pass:  # a retweeted original also listed on its own
            return
        self.ids_this_pass.add(this_id)
        retweeted = lookup(record, f.get("retweeted", "")) if f.get("retweeted") else None
        if isinstance(retweeted, dict):
            yield from self.record_items(page_url, retweeted, parent=None)
        url = fill(sel.url_template, record) if sel.url_template else ""
        url = url or str(lookup(record, f.get("url", "")) or "")
        published = parse_time(
            lookup(record, f.get("published", "")), sel.time_format, self.source.timezone
        )
        plain = sel.text_format == "text"
        text = clean_text(text_html).text if plain else clean_fragment(text_html).text
        item = self.base_item(url, this_id, text, published)
        item["title"] = clean_title(str(lookup(record, f.get("title", "")) or ""))
        item["author"] = str(lookup(record, f.get("author", "")) or "") or None
        metrics = {m: as_int(lookup(record, f[m])) for m in METRICS if f.get(m)}
        if any(v is not None for v in metrics.values()):
            item["metrics"] = metrics
        if parent:
            item["parent_id"] = parent
        elif f.get("parent") and (raw_parent := lookup(record, f["parent"])):
            item["parent_id"] = f"{prefix}:{raw_parent}"
        item["extra"]["platform_id"] = str(raw_id)
        if isinstance(retweeted, dict) and (rid := lookup(retweeted, f.get("id", "id"))):
            item["extra"]["retweet_of"] = f"{prefix}:{rid}"
        if f.get("platform") and (platform := lookup(record, f["platform"])):
            item["extra"]["platform"] = str(platform)
        if item["text"] or item["title"]:
            yield item
        children = lookup(record, sel.children) if sel.children else None
        for child in children if isinstance(children, list) else []:
            yield from self.record_items(page_url, child, parent=this_id)


class _RedactFilter(logging.Filter):
    """Replaces credentials in every log record (Scrapy logs request URLs on give-up)."""

    secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, ()
        return True


_REDACT = _RedactFilter()


def install_redaction(secrets: list[str]) -> None:
    """Redact `secrets` from every handler of the root logger (and handlers added later
    through the root logger's own filter)."""
    _REDACT.secrets.update(secrets)
    root = logging.getLogger()
    for handler in root.handlers:
        if _REDACT not in handler.filters:
            handler.addFilter(_REDACT)


def with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit(parts._replace(query=urlencode([*query, (name, value)])))


def without_param(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit(parts._replace(query=urlencode(query)))


def urljoin(base: str, href: str) -> str:
    from urllib.parse import urljoin as join

    return join(base, href)
