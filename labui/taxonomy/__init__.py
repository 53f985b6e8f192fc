"""The taxonomy stage: a folder of `qna.yaml` leaves in, a validated tree of leaves out.

Takes: the path of an InstructLab taxonomy (`compositional_skills/`, `foundational_skills/`,
`knowledge/`). Gives: a `Taxonomy` of `Leaf`s (contents, seed examples, kind, diagnostics with
stable codes), its tree as a networkx graph with branch roll-ups and subtree selection, and the
pieces the later stages reuse: limited YAML parsing, qna.yaml round-trip writing, safe leaf paths,
git changes.

    model.py        Taxonomy, Leaf, SeedExample, QnA, LeafKind (no I/O)
    walk.py         is it a taxonomy, where its leaves are, their bytes read safely (light)
    load.py         loading every leaf: the batch, workers, progress, cancel
    read.py         reading and validating one leaf (diagnostics for refusals, decoding)
    keys.py         content keys of a leaf and of a whole tree (light)
    verdict.py      what a cached leaf verdict holds
    report.py       the whole tree's validation report, kept by its key (light)
    statindex.py    the report of an unchanged tree, found by file stats as git does (light)
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

from typing import TYPE_CHECKING

from labui.lazy import lazy_names

# Every name loads with its module on first use, not with the package: a cached `labui validate`
# imports only the light modules (walk, keys, report), and networkx (0.1 s) or yaml (20 ms) load
# only when the graph or a parse is asked for. Type checkers see the plain imports below.
if TYPE_CHECKING:
    from labui.taxonomy.diagnostics import CODE_HELP, INCOMPLETE_CODES, Code, Diagnostic, Severity
    from labui.taxonomy.graph import (
        Rollup,
        branches,
        children,
        leaves_under,
        rollup,
        rollups,
        select_leaves,
    )
    from labui.taxonomy.load import fingerprint, load_taxonomy, require_leaves
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
    from labui.taxonomy.walk import check_root, find_leaves
    from labui.taxonomy.yamlsafe import load_limited

_HOMES = {
    "diagnostics": ("CODE_HELP", "INCOMPLETE_CODES", "Code", "Diagnostic", "Severity"),
    "graph": ("Rollup", "branches", "children", "leaves_under", "rollup", "rollups", "select_leaves"),
    "load": ("fingerprint", "load_taxonomy", "require_leaves"),
    "model": ("Leaf", "LeafKind", "QnA", "SeedExample", "Taxonomy"),
    "read": ("build_leaf", "load_leaf"),
    "walk": ("ATTRIBUTION_FILE", "BRANCHES", "LEAF_FILE", "check_root", "find_leaves"),
    "yamlsafe": ("load_limited",),
}

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
    "Rollup",
    "SeedExample",
    "Severity",
    "Taxonomy",
    "branches",
    "build_leaf",
    "check_root",
    "children",
    "find_leaves",
    "fingerprint",
    "leaves_under",
    "load_leaf",
    "load_limited",
    "load_taxonomy",
    "require_leaves",
    "rollup",
    "rollups",
    "select_leaves",
]

__getattr__ = lazy_names(__name__, _HOMES, globals())
