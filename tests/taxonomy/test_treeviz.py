"""The tree picture and the leaf list, built headless from real taxonomies."""

from __future__ import annotations

from pathlib import Path

import pytest

from labui.taxonomy import LeafKind, Taxonomy, load_taxonomy, treeviz
from labui.taxonomy.graph import worst

BROKEN = {"knowledge/technical_manual/ibm_redbooks", "knowledge/textbook/history/ibm_history"}


@pytest.fixture(scope="module")
def real(real_taxonomy: Path) -> Taxonomy:
    return load_taxonomy(real_taxonomy)


def _folders(tx: Taxonomy) -> set[str]:
    out: set[str] = set()
    for leaf in tx.leaves:
        parts = leaf.path.split("/")
        out.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return out


def _check_nodes(tx: Taxonomy) -> None:
    nodes = treeviz.tree_nodes(tx)
    by_id = {n.id: n for n in nodes}
    assert len(by_id) == len(nodes), "node ids are unique"
    assert set(by_id) == {leaf.path for leaf in tx.leaves} | _folders(tx)
    assert sum(n.is_leaf for n in nodes) == len(tx.leaves)
    for n in nodes:
        assert n.parent == "" or n.parent in by_id, "every parent is itself a node"
        children = [c for c in nodes if c.parent == n.id]
        if n.is_leaf:
            leaf = tx.leaf(n.id)
            assert leaf is not None and not children
            assert n.status == leaf.status
            assert n.color == treeviz.LEAF_COLORS[leaf.status]
            assert n.value == max(treeviz.seed_size(leaf), 1)
        else:
            assert children
            assert n.status == worst(c.status for c in children)
            assert n.color == treeviz.BRANCH_COLORS[n.status]
            assert n.value == sum(c.value for c in children), "branchvalues='total' needs exact sums"
            assert n.errors == sum(c.errors for c in children)


def test_nodes_real(real: Taxonomy) -> None:
    _check_nodes(real)
    nodes = {n.id: n for n in treeviz.tree_nodes(real)}
    assert {i for i, n in nodes.items() if n.is_leaf and n.status == "error"} == BROKEN
    for path in ("knowledge", "knowledge/technical_manual", "knowledge/textbook/history"):
        assert nodes[path].status == "error"
        assert nodes[path].color == treeviz.BRANCH_COLORS["error"]
    assert nodes["compositional_skills"].status == "warning"


def test_nodes_sample(sample_taxonomy: Path) -> None:
    tx = load_taxonomy(sample_taxonomy)
    assert tx.leaves, "the bundled sample taxonomy has leaves"
    _check_nodes(tx)


def test_status_follows_an_edit(sample_taxonomy: Path) -> None:
    """Break one leaf on disk: it and every folder above it turn red, the rest keep their colour."""
    tx = load_taxonomy(sample_taxonomy)
    victim = tx.leaves[0]
    victim.file.write_text(
        victim.text.replace("created_by:", "created_by:\n  - [unclosed", 1), encoding="utf-8"
    )
    nodes = {n.id: n for n in treeviz.tree_nodes(load_taxonomy(sample_taxonomy))}
    parts = victim.path.split("/")
    for i in range(1, len(parts) + 1):
        assert nodes["/".join(parts[:i])].status == "error"
    others = [n for n in nodes.values() if n.is_leaf and n.id != victim.path]
    assert all(n.status != "error" for n in others)


def test_figure_real(real: Taxonomy) -> None:
    for style in ("sunburst", "treemap"):
        fig = treeviz.tree_figure(real, style)
        trace = fig.data[0]
        assert trace.type == style
        nodes = treeviz.tree_nodes(real)
        assert list(trace.ids) == [n.id for n in nodes]
        assert len(trace.ids) == len(real.leaves) + len(_folders(real))
        assert list(trace.marker.colors) == [n.color for n in nodes]
        hover = dict(zip(trace.ids, trace.hovertext, strict=True))
        redbooks = hover["knowledge/technical_manual/ibm_redbooks"]
        assert "Knowledge" in redbooks and "1 error ·" in redbooks and "3 Q&A pairs" in redbooks


def test_table_and_filters(real: Taxonomy) -> None:
    table = treeviz.leaf_table(real.leaves)
    assert list(table.columns) == list(treeviz.TABLE_COLUMNS)
    assert len(table) == 148
    assert set(table.loc[table.status == treeviz.STATUS_WORDS["error"], "path"]) == BROKEN

    errors = treeviz.filter_leaves(real.leaves, statuses=["error"])
    assert {leaf.path for leaf in errors} == BROKEN
    knowledge = treeviz.filter_leaves(real.leaves, kinds=[LeafKind.KNOWLEDGE.value])
    assert {leaf.path for leaf in knowledge} == {
        leaf.path for leaf in real.leaves if leaf.branch == "knowledge"
    }
    grounded_ok = treeviz.filter_leaves(real.leaves, kinds=["grounded_skill"], statuses=["ok"])
    assert grounded_ok and all(x.kind is LeafKind.GROUNDED_SKILL and x.status == "ok" for x in grounded_ok)

    branch = treeviz.filter_leaves(real.leaves, branch="compositional_skills/writing/freeform/poetry")
    assert branch and all(x.path.startswith("compositional_skills/writing/freeform/poetry/") for x in branch)
    # A branch filter matches whole folder names, not prefixes of them.
    assert not treeviz.filter_leaves(real.leaves, branch="compositional_skills/writing/freeform/poet")

    # Text search looks into seed text too, any case, every word must match.
    leaf = real.leaf("knowledge/technical_manual/ibm_redbooks")
    assert leaf is not None
    word = next(w for w in leaf.seeds[0].text().split() if len(w) > 8 and w.isalpha())
    hits = treeviz.filter_leaves(real.leaves, word.upper())
    assert leaf in hits and len(hits) < len(real.leaves)
    assert treeviz.filter_leaves(real.leaves, f"{word} zzqqxx-nowhere") == []
    assert treeviz.filter_leaves(real.leaves) == real.leaves


def test_branch_folders(real: Taxonomy) -> None:
    folders = treeviz.branch_folders(real)
    assert set(folders) == _folders(real)
    assert (
        "knowledge/technical_manual" in folders and "knowledge/technical_manual/ibm_redbooks" not in folders
    )


def test_excerpt_marks_the_line() -> None:
    text = "\n".join(f"line {i}" for i in range(1, 13))
    out = treeviz.excerpt(text, 10, column=3).splitlines()
    assert out == [
        "   8 | line 8",
        "   9 | line 9",
        "> 10 | line 10",
        "         ^",
        "  11 | line 11",
        "  12 | line 12",
    ]
    assert treeviz.excerpt(text, 1).splitlines()[0] == "> 1 | line 1"
    # A position past the end (e.g. "unexpected end of file") still shows the last lines.
    assert treeviz.excerpt(text, 99).splitlines()[-1] == "> 12 | line 12"
    assert treeviz.excerpt("", 1) == "> 1 |"


def test_excerpt_real_error(real: Taxonomy) -> None:
    leaf = real.leaf("knowledge/textbook/history/ibm_history")
    assert leaf is not None
    first = min(leaf.diagnostics, key=lambda d: d.line)
    assert (first.line, first.column) == (1, 1)
    assert treeviz.excerpt(leaf.text, first.line).splitlines()[0] == "> 1 | " + leaf.text.splitlines()[0]
