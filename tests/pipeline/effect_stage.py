"""A test stage whose effect is visible: one state row per item, plus an attempt counter."""

from __future__ import annotations

import time

from pydantic import BaseModel

from pipeline.stage import Stage
from pipeline.storage.base import StoreError
from pipeline.topics import ITEMS_RAW


class EffectOptions(BaseModel):
    delay_s: float = 0.0
    poison_marker: str = "☠"
    flaky_times: int = 0  # raise StoreError this many times first (a backend outage)


class EffectStage(Stage):
    name = "effect"
    consumes = (ITEMS_RAW,)
    Options = EffectOptions

    def __init__(self, ctx, options=None):
        super().__init__(ctx, options)
        self.failures_left = self.options.flaky_times

    def process(self, batch):
        state = self.ctx.stores.state
        if self.failures_left > 0:
            self.failures_left -= 1
            raise StoreError("store unavailable (simulated)")
        for env in batch:
            item = env.record
            if self.options.poison_marker in item.text:
                raise ValueError(f"cannot handle {item.id}")
            attempts = state.get("attempts", item.id) or 0
            state.put("attempts", item.id, attempts + 1)
            if self.options.delay_s:
                time.sleep(self.options.delay_s)
            state.put("effects", item.id, item.text)
