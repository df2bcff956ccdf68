"""The classify stage: items.raw → items.scored and the item store.

The classifier is the trained model (`DATA/models/current.joblib`, else the bundled
default) combined with the rules; without a loadable model it is the rules baseline, and
the log says which. `transform` scores records (`yuqing classify --stdin` calls it);
`process` also writes the item store and emits each scored item keyed by its event.
Idempotent under replay: ids come from the items, event ids from the stored item → event
index. Watches come from the `watches` option or `DATA/watches.yaml` when it exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from classifiers.events import DEFAULT_WINDOW_DAYS
from classifiers.normalize import MAX_TEXT_CHARS
from classifiers.scoring import ScoringClassifier
from pipeline.models import Item, Record, ScoredItem
from pipeline.profile import load_profile
from pipeline.stage import Envelope, Stage
from pipeline.topics import ITEMS_RAW, ITEMS_SCORED


class ClassifyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: str | None = None  # a profile name or path; default: the deployment's profile
    event_window_days: float = Field(default=DEFAULT_WINDOW_DAYS, gt=0)
    max_text_chars: int = Field(default=MAX_TEXT_CHARS, ge=100)
    use_model: bool = True  # false: the rules baseline only
    watches: str | None = None  # YAML of the office's watches; default DATA/watches.yaml


class ClassifyStage(Stage):
    name = "classify"
    consumes = (ITEMS_RAW,)
    produces = (ITEMS_SCORED,)
    Options = ClassifyOptions

    _classifier: ScoringClassifier | None = None

    @property
    def classifier(self) -> ScoringClassifier:
        """Built on first use (profile, lexicons, tokenizer dictionary, model, event index)."""
        if self._classifier is None:
            from classifiers.baseline import RulesClassifier
            from classifiers.bundle import load_model
            from classifiers.model_classifier import ModelClassifier
            from classifiers.watches import WatchList

            opts: ClassifyOptions = self.options  # type: ignore[assignment]
            profile = load_profile(opts.profile) if opts.profile else self.ctx.profile
            data_dir = self.ctx.settings.data_dir
            watch_file = Path(opts.watches) if opts.watches else data_dir / "watches.yaml"
            watches = WatchList.from_file(watch_file) if watch_file.exists() else None
            kwargs = dict(
                state=self.ctx.stores.state,
                event_window_days=opts.event_window_days,
                max_text_chars=opts.max_text_chars,
                watches=watches,
            )
            bundle = load_model(data_dir) if opts.use_model else None
            if bundle is None:
                self.log.warning("classify: scoring with the rules baseline (no model)")
                self._classifier = RulesClassifier(profile, **kwargs)
            else:
                self.log.info("classify: scoring with the model %s", bundle.meta.get("path"))
                self._classifier = ModelClassifier(profile, bundle, **kwargs)
        return self._classifier

    def transform(self, records: Sequence[Record]) -> list[ScoredItem]:
        for record in records:
            if not isinstance(record, Item):
                raise ValueError(f"classify expects Item records, got {type(record).__name__}")
        return self.classifier.score_many(list(records))  # type: ignore[arg-type]

    def process(self, batch: Sequence[Envelope]) -> None:
        scored = self.transform([e.record for e in batch])
        if not scored:
            return
        self.ctx.stores.items.put_many(scored)
        for item in scored:
            self.ctx.emit(ITEMS_SCORED, item, key=item.event_id)
