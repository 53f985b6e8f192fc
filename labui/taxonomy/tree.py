"""Old import path of the taxonomy model and loader, kept while other branches move to the new one.

Import from `labui.taxonomy` (or `labui.taxonomy.model` / `.load`) instead; this module only
re-exports and goes once nothing imports it.
"""

from labui.taxonomy.load import PARALLEL_THRESHOLD, check_root, find_leaves, fingerprint, load_taxonomy
from labui.taxonomy.model import (
    ATTRIBUTION_FILE,
    BRANCHES,
    LEAF_FILE,
    Leaf,
    LeafKind,
    QnA,
    SeedExample,
    Taxonomy,
    classify,
    seeds_from,
)
from labui.taxonomy.read import build_leaf, decode, load_leaf

__all__ = [
    "ATTRIBUTION_FILE",
    "BRANCHES",
    "LEAF_FILE",
    "PARALLEL_THRESHOLD",
    "Leaf",
    "LeafKind",
    "QnA",
    "SeedExample",
    "Taxonomy",
    "build_leaf",
    "check_root",
    "classify",
    "decode",
    "find_leaves",
    "fingerprint",
    "load_leaf",
    "load_taxonomy",
    "seeds_from",
]
