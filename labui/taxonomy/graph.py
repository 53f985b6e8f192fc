"""The taxonomy as a tree (a networkx DiGraph of branches and leaves): roll-ups and subtree selection.

Nodes are folder paths relative to the root ("" is the root itself); an edge goes from a folder to
each folder inside it on the way to a leaf. A node's `leaf` attribute holds the Leaf of a folder with
a `qna.yaml` (a folder can be a leaf and have leaves below it; the schema allows it, the Editor
refuses to create one). Every branch figure (leaves, seeds, problems, coverage) is a post-order
fold over this graph, so the tree picture, the tables and the Generate page agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labui.errors import UsageError
from labui.taxonomy.model import Leaf, Taxonomy

# networkx loads with the first graph (0.25 s): the Taxonomy page's list and branch filter need none.
if TYPE_CHECKING:
    import networkx as nx

ROOT = ""
_RANK = {"ok": 0, "warning": 1, "error": 2}


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ROOT


def build_graph(leaves: Iterable[Leaf]) -> nx.DiGraph:
    """The DiGraph of every leaf and every folder on the way to one, rooted at ""."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_node(ROOT, leaf=None)
    for leaf in leaves:
        path = leaf.path
        if path in graph:
            graph.nodes[path]["leaf"] = leaf
        else:
            graph.add_node(path, leaf=leaf)
        # Walk up adding folders until one is already there (each edge added once).
        while path != ROOT:
            parent = parent_of(path)
            known = parent in graph
            if not known:
                graph.add_node(parent, leaf=None)
            graph.add_edge(parent, path)
            if known:
                break
            path = parent
    return graph


def _node(taxonomy: Taxonomy, branch_path: str) -> str:
    path = branch_path.strip("/")
    if path not in taxonomy.graph:
        raise UsageError(f"no branch or leaf {branch_path!r} in the taxonomy at {taxonomy.root}")
    return path


def leaves_under(taxonomy: Taxonomy, branch_path: str) -> list[Leaf]:
    """Every leaf at or below `branch_path` ("" for the whole taxonomy), sorted by path."""
    graph = taxonomy.graph
    node = _node(taxonomy, branch_path)
    import networkx as nx

    nodes = nx.descendants(graph, node) | {node}
    found = [graph.nodes[n]["leaf"] for n in nodes if graph.nodes[n]["leaf"] is not None]
    return sorted(found, key=lambda leaf: leaf.path)


def select_leaves(taxonomy: Taxonomy, selectors: Sequence[str]) -> list[str]:
    """Leaf paths for command-line `--leaf` values: a leaf's path, or a branch that selects every leaf
    under it; in the order given, each once. An unknown path is a UsageError."""
    out: dict[str, None] = {}
    for selector in selectors:
        out.update((leaf.path, None) for leaf in leaves_under(taxonomy, selector.strip()))
    return list(out)


@dataclass(frozen=True, slots=True)
class Rollup:
    """Figures for one node, its own leaf included: what a branch row or tree sector shows."""

    leaves: int
    seeds: int  # seed material: Q&A pairs for knowledge, seed examples for skills
    sectors: int  # seeds, with at least 1 per leaf so an empty or broken leaf stays visible
    errors: int
    warnings: int
    status: str  # the worst status at or below
    coverage: float | None  # mean of the per-leaf values given, over leaves that have one
    covered_leaves: int  # how many leaves below had a value


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=_RANK.__getitem__, default="ok")


def rollups(taxonomy: Taxonomy, per_leaf: Mapping[str, float] | None = None) -> dict[str, Rollup]:
    """Roll-ups for every node of the tree, by a post-order fold from the leaves to the root.

    `per_leaf` (leaf path -> a value such as coverage density) adds its mean under each branch.
    """
    graph = taxonomy.graph
    values = per_leaf or {}
    out: dict[str, Rollup] = {}
    import networkx as nx

    for node in nx.dfs_postorder_nodes(graph, ROOT):
        leaf: Leaf | None = graph.nodes[node]["leaf"]
        leaves = int(leaf is not None)
        seeds = leaf.seed_size if leaf else 0
        sectors = max(seeds, 1) if leaf else 0
        errors, warnings = (leaf.errors, leaf.warnings) if leaf else (0, 0)
        statuses = [leaf.status] if leaf else []
        total = values.get(node, 0.0) if leaf and node in values else 0.0
        counted = int(bool(leaf) and node in values)
        for child in graph.successors(node):
            r = out[child]
            leaves += r.leaves
            seeds += r.seeds
            sectors += r.sectors
            errors += r.errors
            warnings += r.warnings
            statuses.append(r.status)
            if r.coverage is not None:
                total += r.coverage * r.covered_leaves
                counted += r.covered_leaves
        out[node] = Rollup(
            leaves,
            seeds,
            sectors,
            errors,
            warnings,
            worst(statuses),
            total / counted if counted else None,
            counted,
        )
    return out


def rollup(taxonomy: Taxonomy, branch_path: str, per_leaf: Mapping[str, float] | None = None) -> Rollup:
    """The roll-up of one branch ("" for the whole taxonomy)."""
    return rollups(taxonomy, per_leaf)[_node(taxonomy, branch_path)]


def branches(taxonomy: Taxonomy) -> list[str]:
    """Every folder that has something below it (the root excluded), parents before children.

    The graph's nodes with children are exactly the leaves' proper ancestors: found from the paths,
    without building the graph (a big tree's list and branch filter need nothing else of it)."""
    found: set[str] = set()
    for leaf in taxonomy.leaves:
        path = leaf.path
        while "/" in path:
            path = path.rsplit("/", 1)[0]
            if path in found:
                break  # its ancestors are in too
            found.add(path)
    return sorted(found, key=lambda p: (p.count("/"), p))


def children(taxonomy: Taxonomy, branch_path: str) -> list[str]:
    """The folders directly inside `branch_path` that lead to a leaf, sorted."""
    return sorted(taxonomy.graph.successors(_node(taxonomy, branch_path)))
