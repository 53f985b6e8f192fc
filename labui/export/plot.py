"""The per-leaf bar plot of the dataset card (a PNG drawn with matplotlib, offline)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

MAX_LEAVES = 60  # beyond this the bars are unreadable; the card's table still lists every leaf


def per_leaf_png(per_leaf: Mapping[str, Mapping[str, Any]], path: Path) -> bool:
    """Exported and rejected samples per leaf (the largest leaves first); False if there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    leaves = sorted(per_leaf.items(), key=lambda kv: (-kv[1]["exported"], kv[0]))[:MAX_LEAVES]
    if not leaves:
        return False
    names = [p if len(p) <= 60 else "…" + p[-59:] for p, _ in leaves][::-1]
    exported = [leaf["exported"] for _, leaf in leaves][::-1]
    rejected = [leaf["statuses"].get("rejected", 0) for _, leaf in leaves][::-1]
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.28 * len(leaves)))
    try:
        ax.barh(names, exported, color="#2b7bb9", label="exported")
        ax.barh(names, rejected, left=exported, color="#d9d9d9", label="rejected")
        ax.set_xlabel("samples")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="y", labelsize=7)
        ax.legend(loc="lower right", fontsize=8)
        title = "Samples per leaf" + (f" (largest {MAX_LEAVES})" if len(per_leaf) > MAX_LEAVES else "")
        ax.set_title(title)
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=110, metadata={"Software": None})
    finally:
        plt.close(fig)
    return True
