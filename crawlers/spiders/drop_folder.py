"""DropFolderSpider: the watched drop folder as a source (kind `drop_folder`, key `path`).

It runs DropFolderImporter inside the crawl, so imported rows take the same road as crawled
pages (validation, dedup, items.raw, health); a file moves to done/ only after the flush.
"""

from __future__ import annotations

from pathlib import Path

from crawlers.dropfolder import DropFolderImporter
from crawlers.spiders.base import SourceSpider


class DropFolderSpider(SourceSpider):
    name = "drop_folder"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        defaults = {"source_type": self.source.source_type, "source_name": self.source.name}
        self.importer = DropFolderImporter(self.source.path or "", defaults)
        self.imported: list[Path] = []

    async def start(self):
        for path in self.importer.pending():
            before = len(self.importer.rejected)
            try:
                for item in self.importer.read(path):
                    yield item.to_dict()
            except OSError as exc:
                self.note_error(str(path), f"cannot read: {exc}")
                continue
            self.pass_health.pages_ok += 1
            for bad in self.importer.rejected[before:]:
                self.note_error(f"{path}:{bad.line}", bad.error)
            self.imported.append(path)

    def closed(self, reason: str) -> None:
        if self.sink is not None:
            self.sink.flush()  # the rows are durable before their file leaves the inbox
        for path in self.imported:
            self.importer.finish(path)
        super().closed(reason)
