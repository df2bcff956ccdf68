"""The classify stage: items.raw → items.scored and the item store.

The classifier is the trained model (`DATA/models/current.joblib`, else the bundled
default) combined with the rules; without a loadable model it is the rules baseline, and
the log says which. `transform` scores records (`yuqing classify --stdin` calls it);
`process` also writes the item store and emits each scored item keyed by its event.
Idempotent under replay: ids come from the items, event ids from the stored item → event
index. Watches come from the `watches` option or `DATA/watches.yaml` when it exists.
With several profiles (`profiles:` in the config) each item is placed in one of them
(classifiers/multi_profile.py); with one, the stage scores exactly as it always did.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from classifiers.analysis import ItemAnalyzer
from classifiers.events import DEFAULT_WINDOW_DAYS
from classifiers.multi_profile import KeptAnalyzer, MultiProfileClassifier, ProfileState
from classifiers.normalize import MAX_TEXT_CHARS
from classifiers.scoring import ScoringClassifier
from pipeline.models import Item, Record, ScoredItem
from pipeline.profile import (
    JurisdictionProfile,
    configured_profiles,
    load_profile,
    superior_profile,
)
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

    _classifier: ScoringClassifier | MultiProfileClassifier | None = None

    @property
    def classifier(self) -> ScoringClassifier | MultiProfileClassifier:
        """Built on first use (profiles, lexicons, tokenizer dictionary, model, event index):
        one ScoringClassifier for one profile, a MultiProfileClassifier for several."""
        if self._classifier is None:
            from classifiers.bundle import load_model
            from classifiers.watches import WatchList

            opts: ClassifyOptions = self.options  # type: ignore[assignment]
            settings = self.ctx.settings
            data_dir = settings.data_dir
            watch_file = Path(opts.watches) if opts.watches else data_dir / "watches.yaml"
            self._kwargs = dict(
                state=self.ctx.stores.state,
                event_window_days=opts.event_window_days,
                max_text_chars=opts.max_text_chars,
                watches=WatchList.from_file(watch_file) if watch_file.exists() else None,
            )
            self._bundle = load_model(data_dir) if opts.use_model else None
            if self._bundle is None:
                self.log.warning("classify: scoring with the rules baseline (no model)")
            else:
                self.log.info("classify: scoring with the model %s", self._bundle.meta.get("path"))
            if opts.profile or (len(settings.profile_names) == 1 and not settings.superior):
                profile = load_profile(opts.profile) if opts.profile else self.ctx.profile
                self._classifier = self._build(profile)
            else:
                profiles = configured_profiles(settings)
                self.log.info("classify: profiles %s", ", ".join(p.name for p in profiles))
                self._classifier = MultiProfileClassifier(
                    [
                        self._build(p, KeptAnalyzer(p, opts.max_text_chars), own_events=i > 0)
                        for i, p in enumerate(profiles)
                    ],
                    superior_profile(settings),
                )
        return self._classifier

    def _build(
        self,
        profile: JurisdictionProfile,
        analyzer: ItemAnalyzer | None = None,
        own_events: bool = False,
    ) -> ScoringClassifier:
        """One profile's classifier; `own_events`: its event index in its own namespaces."""
        from classifiers.baseline import RulesClassifier
        from classifiers.model_classifier import ModelClassifier

        kwargs = dict(self._kwargs, analyzer=analyzer) if analyzer else dict(self._kwargs)
        if own_events:
            kwargs["state"] = ProfileState(self.ctx.stores.state, profile.name)
        if self._bundle is None:
            return RulesClassifier(profile, **kwargs)
        return ModelClassifier(profile, self._bundle, **kwargs)

    def transform(self, records: Sequence[Record]) -> list[ScoredItem]:
        for record in records:
            if not isinstance(record, Item):
                raise ValueError(f"classify expects Item records, got {type(record).__name__}")
        return self.classifier.score_many(list(records))  # type: ignore[arg-type]

    def process(self, batch: Sequence[Envelope]) -> None:
        scored = self.transform([e.record for e in batch])
        if not scored:
            return
        encoded = [item.to_json() for item in scored]  # once, for the store and the bus
        self.ctx.stores.items.put_many(scored, encoded)
        for item, doc in zip(scored, encoded, strict=True):
            self.ctx.emit(ITEMS_SCORED, item, key=item.event_id, encoded=doc)
