"""The import endpoint as a stage: `yuqing stage import` (and `yuqing run`, once enabled)
serves `POST /api/items` until stopped, so vendor feeds and hand-entered print / TV items
arrive in items.raw like crawled ones. The bearer token comes from an environment variable,
never from the config file."""

from __future__ import annotations

import os
import threading

from pydantic import BaseModel, ConfigDict, Field

from crawlers.import_api import context_emitter, serve_import_api
from pipeline.config import ConfigError
from pipeline.stage import Stage


class ImportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8088, ge=1, le=65535)
    token_env: str = "YUQING_IMPORT_TOKEN"  # the NAME of the variable holding the token


class ImportApiStage(Stage):
    name = "import"
    consumes = ()
    Options = ImportOptions

    def run(self, stop: threading.Event) -> None:
        token = os.environ.get(self.options.token_env, "")
        if not token:
            raise ConfigError(
                f"stages.import: the environment variable {self.options.token_env} is empty; "
                "the import endpoint refuses to run without a bearer token"
            )
        server = serve_import_api(
            context_emitter(self.ctx), token, self.options.host, self.options.port
        )
        self.log.info("import endpoint on http://%s:%d/api/items", self.options.host,
                      self.options.port)  # fmt: skip
        try:
            stop.wait()
        finally:
            server.should_exit = True
