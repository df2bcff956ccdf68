"""A trained linear model in a form that is small to store and fast to apply.

scikit-learn fits the weights (training.py); a `LinearHead` keeps only what prediction
needs — weights, intercepts, the class names and the calibration — so every head of the
bundle is applied with one sparse × dense product. Calibration: Platt scaling per output
(`binary`, `ovr`) or a softmax temperature (`multiclass`), both fitted on cross-validated
decision values. `top_features` says why: the features that pushed a class up the most.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class LinearHead:
    """kind: `binary` (one output), `ovr` (one sigmoid per class) or `multiclass` (softmax)."""

    name: str
    kind: str
    classes: list[str]
    weights: np.ndarray  # (n_features, n_outputs) float32 (stored float16)
    intercept: np.ndarray  # (n_outputs,)
    platt: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # (n_outputs, 2): a, b
    temperature: float = 1.0
    thresholds: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_outputs(self) -> int:
        return self.weights.shape[1]

    def decision(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.weights) + self.intercept

    def proba_from_decision(self, z: np.ndarray) -> np.ndarray:
        """Calibrated probabilities: (n, n_outputs)."""
        if self.kind == "multiclass":
            return softmax(z / self.temperature)
        if len(self.platt):
            return sigmoid(z * self.platt[:, 0] + self.platt[:, 1])
        return sigmoid(z)

    def proba(self, x: sp.csr_matrix) -> np.ndarray:
        return self.proba_from_decision(self.decision(x))

    def top_features(
        self, cols: np.ndarray, vals: np.ndarray, output: int, k: int = 3
    ) -> list[int]:
        """Columns that raised this output the most for one item (positive contributions);
        `cols`, `vals`: the item's row of the feature matrix."""
        if not len(cols):
            return []
        contrib = vals * self.weights[cols, output]
        order = np.argsort(-contrib)[:k]
        return [int(cols[i]) for i in order if contrib[i] > 0]

    def compact(self) -> LinearHead:
        """float16 weights for storage (a 5 MB bundle); restored to float32 on load."""
        self.weights = self.weights.astype(np.float16)
        return self

    def expand(self) -> LinearHead:
        self.weights = np.ascontiguousarray(self.weights, dtype=np.float32)
        self.intercept = self.intercept.astype(np.float32)
        return self


def fit_platt(decisions: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Platt scaling per output on out-of-fold decision values → (n_outputs, 2)."""
    from sklearn.linear_model import LogisticRegression

    params = []
    for j in range(decisions.shape[1]):
        y = labels[:, j]
        if y.min() == y.max():
            params.append((1.0, 0.0))
            continue
        lr = LogisticRegression(C=1e4).fit(decisions[:, [j]], y)
        params.append((float(lr.coef_[0, 0]), float(lr.intercept_[0])))
    return np.array(params, dtype=np.float64)


def fit_temperature(decisions: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature that minimises the out-of-fold log loss (grid search)."""
    best, best_loss = 1.0, np.inf
    rows = np.arange(len(labels))
    for t in np.geomspace(0.1, 10, 41):
        p = softmax(decisions / t)[rows, labels]
        loss = -np.mean(np.log(np.clip(p, 1e-12, 1)))
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best
