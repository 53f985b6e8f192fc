"""The taxonomy stage: a folder of `qna.yaml` leaves in, a validated tree of leaves out.

Takes: the path of an InstructLab taxonomy (`compositional_skills/`, `foundational_skills/`,
`knowledge/`). Gives: a `Taxonomy` of `Leaf`s (contents, seed examples, kind, diagnostics with
stable codes), its tree as a networkx graph with branch roll-ups and subtree selection, and the
pieces the later stages reuse: limited YAML parsing, qna.yaml round-trip writing, safe leaf paths,
git changes.

    model.py        Taxonomy, Leaf, SeedExample, QnA, LeafKind (no I/O)
    load.py         finding and loading every leaf: the walk, workers, progress, cancel
    read.py         reading and validating one leaf (safe reads, decoding)
    verdict.py      the verdict cache key and what a cached verdict holds
    graph.py        the tree (networkx): roll-ups, leaves_under, branches
    diagnostics.py  Diagnostic, Severity and the stable codes (Code)
    yamlsafe.py     YAML parsing with limits (alias bombs, deep nesting), positions
    fastlint.py     yamllint on libyaml's tokens for big files (same problems, 5x faster)
    validate.py     the official rules (instructlab-schema, yamllint) plus the taxonomy's own
    qna_yaml.py     qna.yaml read/write with round-trip fidelity
    qna_patch.py    round-trip writes: only the lines of changed values rewritten
    paths.py        safe leaf paths     changes.py  git changes     treeviz.py  figures and tables
"""

from __future__ import annotations

from typing import Any

from labui.taxonomy.diagnostics import CODE_HELP, INCOMPLETE_CODES, Code, Diagnostic, Severity
from labui.taxonomy.load import check_root, find_leaves, fingerprint, load_taxonomy, require_leaves
from labui.taxonomy.model import (
    ATTRIBUTION_FILE,
    BRANCHES,
    LEAF_FILE,
    Leaf,
    LeafKind,
    QnA,
    SeedExample,
    Taxonomy,
)
from labui.taxonomy.read import build_leaf, load_leaf

# networkx (0.1 s) and yaml (20 ms) load on first use, not with the package: a cached
# `labui validate` needs neither.
_GRAPH_NAMES = ("Rollup", "branches", "children", "leaves_under", "rollup", "rollups", "select_leaves")

__all__ = [
    "ATTRIBUTION_FILE",
    "BRANCHES",
    "CODE_HELP",
    "INCOMPLETE_CODES",
    "LEAF_FILE",
    "Code",
    "Diagnostic",
    "Leaf",
    "LeafKind",
    "QnA",
    "SeedExample",
    "Severity",
    "Taxonomy",
    "build_leaf",
    "check_root",
    "find_leaves",
    "fingerprint",
    "load_leaf",
    "load_limited",
    "load_taxonomy",
    "require_leaves",
    *_GRAPH_NAMES,
]


def __getattr__(name: str) -> Any:
    if name in _GRAPH_NAMES:
        from labui.taxonomy import graph

        return getattr(graph, name)
    if name == "load_limited":
        from labui.taxonomy import yamlsafe

        return yamlsafe.load_limited
    raise AttributeError(f"module 'labui.taxonomy' has no attribute {name!r}")
