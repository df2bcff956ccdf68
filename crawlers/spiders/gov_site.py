"""GovSiteSpider: a government portal's column lists → notice pages, with the metadata block.

Defaults fit the TRS-style county portals (index.html, index_1.html … lists; a 索引号/发布机构/
成文日期/文号 table above the text); a source overrides any selector (CSS or XPath) in its YAML,
and `link_pattern` keeps only detail links whose URL matches it. A page carrying injected SEO
spam raises a `site_tampering` finding.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict
from scrapy.http import Response

from crawlers.clean import clean_fragment, clean_html, clean_title, page_warnings
from crawlers.items import canonical_url, item_id, parse_local_time
from crawlers.select import all_values, first_text, select
from crawlers.spiders.base import SourceSpider


class GovSiteSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    list_links: str = ""  # links to more list pages (other columns), followed from a start page
    detail_links: str = "ul.news-list li a::attr(href)"
    link_pattern: str = ""  # a regex a detail URL must match ("" keeps all)
    next_page: str = "div.page a.next::attr(href)"
    column_name: str = "h2.column-title::text"
    title: str = "h1.article-title::text"
    published: str = "span.pubtime::text"
    content: str = "div#zoom"
    metadata_cells: str = "table.meta-table th, table.meta-table td"
    source: str = "span.source::text"


class GovSiteSpider(SourceSpider):
    name = "gov_site"
    Selectors = GovSiteSelectors

    def parse_start(self, response: Response):
        for href in all_values(response, self.selectors.list_links):
            yield self.follow(response, href, self.parse_list, cb_kwargs={"page": 1})
        yield from self.parse_list(response, page=1)

    def parse_list(self, response: Response, page: int):
        sel = self.selectors
        column = first_text(response, sel.column_name)
        pattern = re.compile(sel.link_pattern) if sel.link_pattern else None
        for href in all_values(response, sel.detail_links):
            if pattern is None or pattern.search(response.urljoin(href)):
                yield self.follow(response, href, self.parse_notice, cb_kwargs={"column": column})
        next_href = first_text(response, sel.next_page)
        if next_href and page < self.source.max_pages:
            yield self.follow(response, next_href, self.parse_list, cb_kwargs={"page": page + 1})

    def metadata_block(self, response: Response) -> dict[str, str]:
        """The label/value cells (索引号：| 00838135-X/2025-00412 | …) as a dict."""
        cells = [
            " ".join(" ".join(c.xpath(".//text()").getall()).split())
            for c in select(response, self.selectors.metadata_cells)
        ]
        block: dict[str, str] = {}
        for label, value in zip(cells, cells[1:], strict=False):
            if re.search(r"[:：]\s*$", label):
                key = re.sub(r"[\s\u3000:：]", "", label)
                if key and key not in block:
                    block[key] = "" if re.search(r"[:：]\s*$", value) else value
        return block

    def parse_notice(self, response: Response, column: str = ""):
        sel = self.selectors
        url = canonical_url(response.url)
        fragment = select(response, sel.content).get()
        cleaned = clean_fragment(fragment) if fragment else clean_html(response.body, response.url)
        if not cleaned.text:
            self.note_error(response.url, "no main text found (content selector matched nothing)")
            return
        title = clean_title(first_text(response, sel.title) or cleaned.title)
        metadata = {**cleaned.metadata, **self.metadata_block(response)}
        published = parse_local_time(
            first_text(response, sel.published)
            or metadata.get("发布日期")
            or metadata.get("成文日期")
            or "",
            self.source.timezone,
        )
        item = self.base_item(url, item_id(url), cleaned.text, published)
        item["title"] = title
        item["author"] = metadata.get("发布机构") or first_text(response, sel.source) or None
        item["extra"].update({"metadata": metadata, "column": column})
        warnings = page_warnings(response.text)
        if warnings:
            item["extra"]["page_warnings"] = warnings
            self.report(
                "site_tampering",
                f"page carries injected content ({', '.join(warnings)}): {title}",
                url,
                severity="critical",
            )
        yield item
