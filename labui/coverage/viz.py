"""Pictures and tables of a coverage report: the gap sunburst, the 2-D map, and data frames.

No streamlit here: the Coverage page draws what these build, and tests check them headless. User
text reaches plotly's hover labels HTML-escaped (plotly renders a subset of HTML there, links
included), and the tables' text cells are spreadsheet-safe (labui.csvsafe): the page's tables export
CSV from the browser.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from labui.coverage.index import TaxonomyIndex
from labui.coverage.report import CoverageReport
from labui.csvsafe import safe_frame

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

# Low gap green, high gap red: the eye goes to the leaves to work on.
GAP_SCALE = [[0.0, "#d1fae5"], [0.25, "#86efac"], [0.5, "#fde047"], [0.75, "#fb923c"], [1.0, "#dc2626"]]
MAP_MAX_ITEMS = 4000  # items drawn on the map; more make the browser slow and the picture no clearer
UNCOVERED_COLOR = "#dc2626"
COVERED_COLOR = "#64748b"
EXAMPLE_COLOR = "#0f766e"  # generated samples counted as examples: one colour, apart from the branches


def hover_text(text: str, width: int = 70, limit: int = 300) -> str:
    """User text for a plotly hover label: one paragraph, cut, wrapped with <br>, HTML-escaped."""
    one = " ".join(text.split())
    if len(one) > limit:
        one = one[: limit - 1] + "…"
    return "<br>".join(html.escape(line) for line in textwrap.wrap(one, width)) or "(empty)"


def sunburst(report: CoverageReport) -> go.Figure:
    """The tree with each sector coloured by gap score; a leaf's area grows with its demand."""
    import plotly.graph_objects as go

    ids, parents, labels, values, colors, hovers = [], [], [], [], [], []
    leaf_value = {m.path: 1 + m.demand for m in report.leaves}
    for b in report.branches:
        ids.append(b.path)
        parents.append(b.path.rsplit("/", 1)[0] if "/" in b.path else "")
        labels.append(b.path.rsplit("/", 1)[-1])
        values.append(sum(v for p, v in leaf_value.items() if p.startswith(b.path + "/")))
        colors.append(b.gap)
        hovers.append(
            f"<b>{html.escape(b.path)}</b><br>{b.leaves} leaves, {b.seed_count} seed questions<br>"
            f"demand {b.demand}, gap {b.gap:.2f}"
        )
    branch_ids = set(ids)
    for m in report.leaves:
        # A leaf that is also a folder (a qna.yaml above other leaves) gets its own id.
        node_id = m.path + "/(leaf)" if m.path in branch_ids else m.path
        ids.append(node_id)
        parents.append(m.path.rsplit("/", 1)[0] if "/" in m.path else "")
        labels.append(m.path.rsplit("/", 1)[-1])
        values.append(leaf_value[m.path])
        colors.append(m.gap)
        sim = "" if m.mean_similarity is None else f", mean similarity {m.mean_similarity:.2f}"
        hovers.append(
            f"<b>{html.escape(m.path)}</b><br>{m.seed_count} seed questions, diversity {m.diversity:.2f}<br>"
            f"demand {m.demand}{sim}<br>gap {m.gap:.2f}"
        )
    fig = go.Figure(
        go.Sunburst(
            ids=ids,
            parents=parents,
            labels=labels,
            values=values,
            branchvalues="total",
            hovertext=hovers,
            hoverinfo="text",
            marker={
                "colors": colors,
                "colorscale": GAP_SCALE,
                "cmin": 0,
                "cmax": 1,
                "showscale": True,
                "colorbar": {"title": {"text": "gap"}, "thickness": 12},
                "line": {"color": "white", "width": 1},
            },
            insidetextorientation="radial",
            maxdepth=4,
        )
    )
    # Labels too small to read are hidden (the hover still names the sector), not shrunk to dust.
    fig.update_layout(
        margin={"t": 10, "l": 10, "r": 10, "b": 10}, height=560, uniformtext={"minsize": 11, "mode": "hide"}
    )
    return fig


def pca_2d(reference: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Project onto the first two principal axes of `reference` (the taxonomy's own spread)."""
    mean = reference.mean(axis=0)
    if len(reference) >= 2:
        _, _, vt = np.linalg.svd(reference - mean, full_matrices=False)
        axes = vt[:2].T
    else:
        axes = np.eye(reference.shape[1], 2, dtype=reference.dtype)
    if axes.shape[1] < 2:
        axes = np.hstack([axes, np.zeros((axes.shape[0], 2 - axes.shape[1]), dtype=axes.dtype)])
    return [(m - mean) @ axes for m in (reference, *others)]


def branch_of(path: str, depth: int = 2) -> str:
    return "/".join(path.split("/")[:depth])


def _points(
    xy: np.ndarray, rows: Any, name: str, group: str, title: str, marker: dict[str, Any], hover: list[str]
) -> go.Scattergl:
    """One layer of the map: the points `rows` of `xy`, in a legend group, with text on hover."""
    import plotly.graph_objects as go

    return go.Scattergl(
        x=xy[rows, 0],
        y=xy[rows, 1],
        mode="markers",
        name=name,
        legendgroup=group,
        legendgrouptitle_text=title,
        marker=marker,
        hovertext=hover,
        hoverinfo="text",
    )


def _examples(fig: go.Figure, index: TaxonomyIndex, xy: np.ndarray, max_items: int, seed: int) -> None:
    """The generated samples the analysis counted as examples (a random sample beyond `max_items`)."""
    rows = np.arange(len(index.example_texts))
    if len(rows) > max_items:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_items, replace=False))
    leaf = index.example_leaf
    fig.add_trace(
        _points(
            xy,
            rows,
            f"generated samples ({len(index.example_texts):,})",
            "examples",
            "Counted as examples",
            {"size": 5, "symbol": "diamond", "color": EXAMPLE_COLOR, "opacity": 0.55},
            [
                f"<b>{html.escape(index.leaves[leaf[i]])}</b> (generated)<br>{hover_text(index.example_texts[i])}"
                for i in rows
            ],
        )
    )


def map_figure(
    index: TaxonomyIndex,
    report: CoverageReport,
    item_vectors: np.ndarray,
    max_items: int = MAP_MAX_ITEMS,
    seed: int = 0,
) -> go.Figure:
    """Seeds coloured by branch, generated samples counted as examples (when there are), real items over
    them (uncovered ones as red crosses), text on hover."""
    import plotly.express as px
    import plotly.graph_objects as go

    fig = go.Figure()
    if not len(index.seed_vectors):
        return fig
    examples = index.example_vectors if len(index.example_texts) else index.seed_vectors[:0]
    seed_xy, item_xy, example_xy = pca_2d(index.seed_vectors, item_vectors, examples)
    seed_leaf = index.seed_leaf
    branches = [branch_of(index.leaves[i]) for i in seed_leaf]
    palette = px.colors.qualitative.Set2 + px.colors.qualitative.Pastel1
    for n, b in enumerate(sorted(set(branches))):
        rows = [i for i, x in enumerate(branches) if x == b]
        fig.add_trace(
            _points(
                seed_xy,
                rows,
                b.replace("_", " "),
                "seeds",
                "Seed questions, by branch",
                {"size": 8, "color": palette[n % len(palette)], "line": {"width": 0.5, "color": "white"}},
                [
                    f"<b>{html.escape(index.leaves[seed_leaf[i]])}</b><br>{hover_text(index.seed_texts[i])}"
                    for i in rows
                ],
            )
        )
    if len(index.example_texts):
        _examples(fig, index, example_xy, max_items, seed)
    items = report.items
    shown = np.arange(len(items))
    if len(shown) > max_items:
        # Keep every uncovered item that fits, then a random sample of the rest.
        rng = np.random.default_rng(seed)
        unc = np.array([i for i, it in enumerate(items) if not it.covered], dtype=np.int64)
        cov = np.array([i for i, it in enumerate(items) if it.covered], dtype=np.int64)
        unc = rng.choice(unc, min(len(unc), max_items * 2 // 3), replace=False) if len(unc) else unc
        cov = rng.choice(cov, min(len(cov), max_items - len(unc)), replace=False) if len(cov) else cov
        shown = np.sort(np.concatenate([unc, cov]))
    for covered, name, symbol, color, size in (
        (True, "covered", "circle-open", COVERED_COLOR, 7),
        (False, "not covered", "x", UNCOVERED_COLOR, 8),
    ):
        rows = [int(i) for i in shown if items[int(i)].covered is covered]
        if not rows:
            continue
        fig.add_trace(
            _points(
                item_xy,
                rows,
                f"{name} ({sum(it.covered is covered for it in items)})",
                "items",
                "Real data",
                {"size": size, "symbol": symbol, "color": color, "line": {"width": 1.5, "color": color}},
                [
                    f"<b>#{items[i].index}</b> {items[i].similarity:.2f} → {html.escape(items[i].leaf.rsplit('/', 1)[-1])}<br>"
                    f"{hover_text(items[i].text or '')}"
                    for i in rows
                ],
            )
        )
    fig.update_layout(
        height=560,
        margin={"t": 10, "l": 10, "r": 10, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False},
        legend={
            "itemsizing": "constant",
            "font": {"size": 11},
            "orientation": "h",
            "y": -0.02,
            "yanchor": "top",
        },
        plot_bgcolor="rgba(248,250,252,1)",
    )
    return fig


def leaves_frame(report: CoverageReport, limit: int | None = None) -> pd.DataFrame:
    """Leaves by gap, largest first."""
    import pandas as pd

    rows = sorted(report.leaves, key=lambda m: (-m.gap, m.path))[:limit]
    frame = pd.DataFrame(
        [
            {
                "leaf": m.path,
                "gap": round(m.gap, 3),
                "seeds": m.seed_count,
                "samples": m.examples,  # generated samples counted as its examples (0 unless asked)
                "diversity": round(m.diversity, 3),
                "demand": m.demand,
                "similarity": None if m.mean_similarity is None else round(m.mean_similarity, 3),
                "overlaps": len(m.overlaps),
            }
            for m in rows
        ],
        columns=["leaf", "gap", "seeds", "samples", "diversity", "demand", "similarity", "overlaps"],
    )
    return safe_frame(frame)


def overlaps_frame(report: CoverageReport) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "leaf A": o.a,
                "leaf B": o.b,
                "centroid similarity": round(o.centroid_similarity, 3),
                "near-duplicate seeds": o.duplicate_seeds,
                "closest seeds": f"{o.example[0]}  ⟷  {o.example[1]}" if o.example else "",
            }
            for o in report.overlaps
        ],
        columns=["leaf A", "leaf B", "centroid similarity", "near-duplicate seeds", "closest seeds"],
    )
    return safe_frame(frame)


def items_frame(report: CoverageReport, uncovered_only: bool = False) -> pd.DataFrame:
    import pandas as pd

    rows: Sequence[Any] = [it for it in report.items if not (uncovered_only and it.covered)]
    frame = pd.DataFrame(
        [
            {
                "#": it.index,
                "text": it.text,
                "covered": it.covered,
                "similarity": round(it.similarity, 3),
                "best leaf": it.leaf,
                "cluster": it.cluster,
            }
            for it in rows
        ],
        columns=["#", "text", "covered", "similarity", "best leaf", "cluster"],
    )
    return safe_frame(frame)
