"""The trained model bundle: feature space + the four heads + metadata, one joblib file.

Where it lives: `DATA/models/current.joblib` (written by `yuqing train`), else the small
default bundled with the package (`classifiers/models/default.joblib`, < 5 MB, loads with no
download). `predict` applies all heads with one sparse × dense product.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp

from classifiers.features import FeatureSpace
from classifiers.heads import LinearHead

log = logging.getLogger("yuqing.classify.model")

BUNDLED = Path(__file__).resolve().parent / "models" / "default.joblib"
FORMAT = 1
HEADS = ("relevance", "categories", "lead", "town")
NO_TOWN = "-"  # the town head's class for "only the county"


def data_model_path(data_dir: Path) -> Path:
    return Path(data_dir) / "models" / "current.joblib"


@dataclass
class ModelBundle:
    features: FeatureSpace
    heads: dict[str, LinearHead]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stack()

    def _stack(self) -> None:
        for head in self.heads.values():
            head.expand()
        self._weights = np.hstack([self.heads[h].weights for h in HEADS])
        self._intercept = np.concatenate([self.heads[h].intercept for h in HEADS])
        sizes = np.cumsum([0] + [self.heads[h].n_outputs for h in HEADS])
        self._slices = {h: slice(sizes[i], sizes[i + 1]) for i, h in enumerate(HEADS)}
        self._weights_t: np.ndarray | None = None
        self.output_start = {h: int(sizes[i]) for i, h in enumerate(HEADS)}

    @property
    def weights_t(self) -> np.ndarray:
        """Every head's weights, one row per output: (all outputs, n_features), float32."""
        if self._weights_t is None:
            self._weights_t = np.ascontiguousarray(self._weights.T)
        return self._weights_t

    def predict(self, x: sp.csr_matrix) -> dict[str, np.ndarray]:
        """Head name → calibrated probabilities (n_items, n_outputs)."""
        z = np.asarray(x @ self._weights) + self._intercept
        return {h: self.heads[h].proba_from_decision(z[:, self._slices[h]]) for h in HEADS}

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        heads = {
            name: LinearHead(**{**head.__dict__, "weights": head.weights.copy()}).compact()
            for name, head in self.heads.items()
        }
        tmp = path.with_suffix(".tmp")
        joblib.dump(
            {"format": FORMAT, "features": self.features, "heads": heads, "meta": self.meta},
            tmp,
            compress=3,
        )
        tmp.replace(path)  # atomic: a running stage never reads half a file
        return path

    @classmethod
    def load(cls, path: Path) -> ModelBundle:
        data = joblib.load(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path}: not a model bundle of format {FORMAT}")
        return cls(data["features"], data["heads"], data.get("meta", {}))


def find_model(data_dir: Path | None) -> Path | None:
    """The model the stage should use: the data dir's trained one, else the bundled one."""
    if data_dir is not None:
        trained = data_model_path(data_dir)
        if trained.exists():
            return trained
    return BUNDLED if BUNDLED.exists() else None


def load_model(data_dir: Path | None) -> ModelBundle | None:
    """The model to use, or None (then the stage runs the rules baseline, and says so)."""
    path = find_model(data_dir)
    if path is None:
        log.warning("classify: no trained model found; using the rules baseline")
        return None
    try:
        bundle = ModelBundle.load(path)
    except Exception as exc:  # a corrupt or foreign file must not stop the stage
        log.error("classify: cannot load model %s (%s); using the rules baseline", path, exc)
        return None
    bundle.meta["path"] = str(path)
    log.info("classify: using model %s (trained %s)", path, bundle.meta.get("trained_at", "?"))
    return bundle
