"""The report's chart: relevant items per day by category, a matplotlib PNG (Agg backend, a
CJK font when the system has one) that both the Word and the HTML report embed."""

from __future__ import annotations

import io
from collections import Counter

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from alerts.labels import CATEGORY_LABELS  # noqa: E402

CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei")
COLOURS = ("#3b6fb6", "#d9822b", "#3f9c5a", "#c23b3b", "#8a5fbf", "#aab2bd")


def _use_cjk_font() -> None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    chosen = [name for name in CJK_FONTS if name in installed]
    if chosen:
        plt.rcParams["font.family"] = chosen[0]
    plt.rcParams["axes.unicode_minus"] = False


def per_day_png(per_day: dict[str, Counter], title: str) -> bytes:
    """A stacked bar chart of the counts per day and category, as PNG bytes."""
    _use_cjk_font()
    days = sorted(per_day)
    labels = [*CATEGORY_LABELS.values(), "none"]
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=120)
    bottom = [0] * len(days)
    for colour, label in zip(COLOURS, labels, strict=True):
        values = [per_day[d].get(label, 0) for d in days]
        if any(values):
            name = "无重点类别" if label == "none" else label
            ax.bar([d[5:] for d in days], values, bottom=bottom, color=colour, label=name)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(title, fontsize=11)
    ax.set_ylabel("条")
    ax.spines[["top", "right"]].set_visible(False)
    if days:
        ax.legend(
            fontsize=8, ncol=6, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False
        )
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
