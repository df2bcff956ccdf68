"""The classify stage: items.raw → items.scored and the item store (the rules baseline).

`transform` scores records (`yuqing classify --stdin` calls it); `process` also writes the
item store and emits each scored item keyed by its event. Idempotent under replay: ids come
from the items, event ids from the stored item → event index.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from classifiers.baseline import RulesClassifier
from classifiers.events import DEFAULT_WINDOW_DAYS
from classifiers.normalize import MAX_TEXT_CHARS
from pipeline.models import Item, Record, ScoredItem
from pipeline.profile import load_profile
from pipeline.stage import Envelope, Stage
from pipeline.topics import ITEMS_RAW, ITEMS_SCORED


class ClassifyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: str | None = None  # a profile name or path; default: the deployment's profile
    event_window_days: float = Field(default=DEFAULT_WINDOW_DAYS, gt=0)
    max_text_chars: int = Field(default=MAX_TEXT_CHARS, ge=100)


class ClassifyStage(Stage):
    name = "classify"
    consumes = (ITEMS_RAW,)
    produces = (ITEMS_SCORED,)
    Options = ClassifyOptions

    _classifier: RulesClassifier | None = None

    @property
    def classifier(self) -> RulesClassifier:
        """Built on first use (profile, lexicons, tokenizer dictionary, event index)."""
        if self._classifier is None:
            opts: ClassifyOptions = self.options  # type: ignore[assignment]
            profile = load_profile(opts.profile) if opts.profile else self.ctx.profile
            self._classifier = RulesClassifier(
                profile,
                state=self.ctx.stores.state,
                event_window_days=opts.event_window_days,
                max_text_chars=opts.max_text_chars,
            )
        return self._classifier

    def transform(self, records: Sequence[Record]) -> list[ScoredItem]:
        scored = []
        for record in records:
            if not isinstance(record, Item):
                raise ValueError(f"classify expects Item records, got {type(record).__name__}")
            scored.append(self.classifier.score(record))
        return scored

    def process(self, batch: Sequence[Envelope]) -> None:
        scored = self.transform([e.record for e in batch])
        if not scored:
            return
        self.ctx.stores.items.put_many(scored)
        for item in scored:
            self.ctx.emit(ITEMS_SCORED, item, key=item.event_id)
