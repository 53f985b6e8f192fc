"""The taxonomy as a picture and as a table: plotly sunburst/treemap, leaf rows, search, source excerpts.

No streamlit here: the Taxonomy page draws what these functions build, and tests check them headless.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from labui.taxonomy.model import Leaf, LeafKind, Taxonomy
from labui.textutil import plural

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

Status = Literal["ok", "warning", "error"]
STATUSES: tuple[Status, ...] = ("ok", "warning", "error")
# The words a person reads for a status, in the table and in its filter alike.
STATUS_WORDS: dict[str, str] = {"ok": "valid", "warning": "warnings", "error": "errors"}

# Leaves in the full colour, folders in a lighter tint of the worst status below them, so the eye
# goes to the leaves that need work without losing the tree's shape.
LEAF_COLORS: dict[str, str] = {"ok": "#22c55e", "warning": "#f59e0b", "error": "#ef4444"}
BRANCH_COLORS: dict[str, str] = {"ok": "#bbf7d0", "warning": "#fde68a", "error": "#fecaca"}
# Text colours for status words and dots (a dot, not an emoji: not every machine has an emoji font).
STATUS_TEXT_COLORS: dict[str, str] = {"ok": "#15803d", "warning": "#b45309", "error": "#dc2626"}
KIND_LABELS: dict[str, str] = {
    LeafKind.KNOWLEDGE.value: "Knowledge",
    LeafKind.FREEFORM_SKILL.value: "Freeform skill",
    LeafKind.GROUNDED_SKILL.value: "Grounded skill",
}
ROOT_LEAF_ID = "(root)"  # a qna.yaml directly in the taxonomy root has no folder name of its own


def seed_size(leaf: Leaf) -> int:
    """How much seed material a leaf has: Q&A pairs for knowledge, seed examples for skills."""
    return leaf.seed_size


@dataclass(frozen=True, slots=True)
class Node:
    """One sector of the tree picture: a folder (branch) or a leaf."""

    id: str  # the folder path relative to the root
    parent: str  # "" for the top-level folders
    label: str
    is_leaf: bool
    kind: str  # a LeafKind value, or "branch"
    seeds: int  # seed material at or below (a leaf: its own)
    value: int  # sector size: own seeds (at least 1, so an empty or broken leaf stays visible) + children
    status: Status  # a leaf's own status; a folder's worst status below it (its own leaf included)
    leaves: int
    errors: int
    warnings: int

    @property
    def color(self) -> str:
        return (LEAF_COLORS if self.is_leaf else BRANCH_COLORS)[self.status]


def _node_id(path: str) -> str:
    return path or ROOT_LEAF_ID


def tree_nodes(tx: Taxonomy) -> list[Node]:
    """Every folder on the way to a leaf and every leaf, parents before children.

    The figures are the graph's roll-ups (labui.taxonomy.graph), not recomputed here.
    """
    from labui.taxonomy.graph import ROOT, parent_of, rollups

    graph, ups = tx.graph, rollups(tx)
    ids = sorted(
        (n for n in graph if n != ROOT or graph.nodes[n]["leaf"] is not None), key=lambda p: (p.count("/"), p)
    )
    nodes = []
    for i in ids:
        leaf: Leaf | None = graph.nodes[i]["leaf"]
        up = ups[i]
        is_leaf = leaf is not None and graph.out_degree(i) == 0
        if i == ROOT and leaf is not None:
            # A qna.yaml in the root itself is drawn as its own sector beside the top folders.
            up, is_leaf = rollups(Taxonomy(tx.root, [leaf]))[ROOT], True
        nodes.append(
            Node(
                id=_node_id(i),
                parent=parent_of(i) if i else "",
                label=_node_id(i).rsplit("/", 1)[-1],
                is_leaf=is_leaf,
                kind=leaf.kind.value if leaf is not None else "branch",
                seeds=up.seeds,
                value=up.sectors,
                status=up.status,  # type: ignore[arg-type]
                leaves=up.leaves,
                errors=up.errors,
                warnings=up.warnings,
            )
        )
    return nodes


def _hover(node: Node) -> str:
    if node.is_leaf:
        head = f"<b>{html.escape(node.id)}</b><br>{KIND_LABELS.get(node.kind, node.kind)}<br>"
        unit = "Q&A pairs" if node.kind == LeafKind.KNOWLEDGE.value else "seed examples"
        body = f"{node.seeds} {unit}<br>"
    else:
        head = f"<b>{html.escape(node.id)}/</b><br>"
        body = f"{plural(node.leaves, 'leaf', 'leaves')} · {node.seeds} seeds<br>"
    problems = (
        f"{plural(node.errors, 'error')} · {plural(node.warnings, 'warning')}"
        if node.errors or node.warnings
        else "no problems"
    )
    dot = f"<span style='color:{STATUS_TEXT_COLORS[node.status]}'>●</span>"
    return head + body + f"{dot} {problems}"


def tree_figure(
    tx: Taxonomy, style: Literal["sunburst", "treemap"] = "sunburst", height: int = 540
) -> go.Figure:
    """The whole tree: sector size = seed material, colour = validation status (folders: worst below).

    Node ids are the leaf and folder paths, so a click on a sector names the leaf or branch it is.
    """
    import plotly.graph_objects as go

    nodes = tree_nodes(tx)
    common: dict[str, Any] = {
        "ids": [n.id for n in nodes],
        "labels": [n.label for n in nodes],
        "parents": [n.parent for n in nodes],
        "values": [n.value for n in nodes],
        "branchvalues": "total",
        "marker": {"colors": [n.color for n in nodes], "line": {"color": "#ffffff", "width": 1}},
        "hovertext": [_hover(n) for n in nodes],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "hoverlabel": {
            "bgcolor": "#ffffff",
            "bordercolor": "#cbd5e1",
            "font": {"color": "#0f172a", "size": 13},
        },
        "textfont": {"color": "#0f172a"},
    }
    trace: Any
    if style == "treemap":
        trace = go.Treemap(
            **common,
            tiling={"packing": "squarify", "pad": 2},
            pathbar={"visible": True, "thickness": 22},
            textinfo="label",
            maxdepth=4,
        )
    else:
        trace = go.Sunburst(**common, insidetextorientation="radial", textinfo="label", maxdepth=4)
    fig = go.Figure(trace)
    fig.update_layout(
        margin={"t": 8, "l": 8, "r": 8, "b": 8},
        height=height,
        paper_bgcolor="rgba(0,0,0,0)",
        uniformtext={"minsize": 10, "mode": "hide"},
    )
    return fig


# --------------------------------------------------------------------------------------------------
# The list of leaves.

TABLE_COLUMNS = ("status", "path", "kind", "seeds", "errors", "warnings", "version", "created_by")


def leaf_row(leaf: Leaf) -> dict[str, Any]:
    return {
        "status": STATUS_WORDS[leaf.status],
        "path": leaf.path,
        "kind": KIND_LABELS[leaf.kind.value],
        "version": leaf.version,
        "seeds": seed_size(leaf),
        "created_by": leaf.created_by,
        "errors": leaf.errors,
        "warnings": leaf.warnings,
    }


def leaf_table(leaves: Sequence[Leaf]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([leaf_row(leaf) for leaf in leaves], columns=list(TABLE_COLUMNS))


def branch_folders(tx: Taxonomy) -> list[str]:
    """Every folder that holds leaves below it, for a branch filter."""
    from labui.taxonomy.graph import branches

    return sorted(branches(tx))


def _haystack(leaf: Leaf) -> str:
    return "\n".join(
        [leaf.path, leaf.description, leaf.created_by, *(s.text() for s in leaf.seeds)]
    ).casefold()


def filter_leaves(
    leaves: Sequence[Leaf],
    query: str = "",
    kinds: Iterable[str] = (),
    statuses: Iterable[str] = (),
    branch: str | None = None,
) -> list[Leaf]:
    """The leaves matching every given filter; an empty filter lets everything through.

    `query`: words that must all appear (any case) in the path, description, author or seed text.
    `kinds`: LeafKind values; `statuses`: "ok" / "warning" / "error"; `branch`: a folder path.
    """
    words = query.casefold().split()
    kind_set, status_set = set(kinds), set(statuses)
    prefix = branch.strip("/") + "/" if branch else ""
    out = []
    for leaf in leaves:
        if kind_set and leaf.kind.value not in kind_set:
            continue
        if status_set and leaf.status not in status_set:
            continue
        if prefix and not (leaf.path + "/").startswith(prefix):
            continue
        if words:
            hay = _haystack(leaf)
            if not all(w in hay for w in words):
                continue
        out.append(leaf)
    return out


# --------------------------------------------------------------------------------------------------
# Showing where a problem is.


def excerpt(text: str, line: int, column: int = 0, context: int = 2) -> str:
    """Lines `line - context .. line + context` of `text`, numbered, the offending one marked with `>`
    and, when the column is known, a caret under it (like a compiler's message)."""
    lines = text.splitlines() or [""]
    line = min(max(line, 1), len(lines))
    lo, hi = max(1, line - context), min(len(lines), line + context)
    width = len(str(hi))
    out = []
    for n in range(lo, hi + 1):
        mark = ">" if n == line else " "
        out.append(f"{mark} {n:>{width}} | {lines[n - 1]}".rstrip())
        if n == line and column > 0:
            out.append(" " * (width + 5 + column - 1) + "^")
    return "\n".join(out)
