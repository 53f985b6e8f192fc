"""The tree as a networkx graph: subtree selection and branch roll-ups agree with the leaves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from labui.errors import UsageError
from labui.taxonomy import Taxonomy, leaves_under, load_taxonomy, rollup, rollups
from labui.taxonomy.graph import branches, children
from tests.taxonomy.conftest import skill_text


@pytest.fixture(scope="module")
def real(real_taxonomy: Path) -> Taxonomy:
    return load_taxonomy(real_taxonomy)


def _under(tx: Taxonomy, branch: str) -> list[str]:
    return sorted(leaf.path for leaf in tx.leaves if (leaf.path + "/").startswith(branch + "/"))


def test_leaves_under_every_branch_is_every_leaf_below_it(real: Taxonomy) -> None:
    found = branches(real)
    assert "knowledge" in found and "compositional_skills/linguistics" in found
    for branch in found:
        assert [leaf.path for leaf in leaves_under(real, branch)] == _under(real, branch)
    assert [leaf.path for leaf in leaves_under(real, "")] == sorted(leaf.path for leaf in real.leaves)
    one = real.leaves[0]
    assert leaves_under(real, one.path + "/") == [one], "a leaf is its own subtree; slashes are ignored"


def test_unknown_branch_is_a_usage_error(real: Taxonomy) -> None:
    with pytest.raises(UsageError, match="no branch"):
        leaves_under(real, "compositional_skills/no/such/branch")


def test_rollups_sum_the_leaves_below(real: Taxonomy) -> None:
    ups = rollups(real)
    root = ups[""]
    assert (root.leaves, root.errors, root.warnings) == (len(real.leaves), real.errors, real.warnings)
    assert root.status == "error"
    for branch in branches(real):
        below = leaves_under(real, branch)
        up = ups[branch]
        assert up.leaves == len(below)
        assert up.seeds == sum(leaf.seed_size for leaf in below)
        assert up.errors == sum(leaf.errors for leaf in below)
        worst = "error" if up.errors else ("warning" if up.warnings else "ok")
        assert up.status == worst
    assert [c for c in children(real, "") if c] == [
        "compositional_skills",
        "foundational_skills",
        "knowledge",
    ]


def test_coverage_rolls_up_as_the_mean_over_leaves_with_a_value(real: Taxonomy) -> None:
    values = {leaf.path: float(i % 7) / 7 for i, leaf in enumerate(real.leaves) if i % 3}
    for branch in ("knowledge", "compositional_skills", ""):
        below = [values[leaf.path] for leaf in leaves_under(real, branch) if leaf.path in values]
        up = rollup(real, branch, values)
        assert up.covered_leaves == len(below)
        assert up.coverage == pytest.approx(sum(below) / len(below))
    assert rollup(real, "knowledge").coverage is None, "no values given: no coverage figure"


def test_a_leaf_with_leaves_below_it(make_taxonomy: Callable[[dict[str, str]], Path]) -> None:
    root = make_taxonomy({"compositional_skills/a": skill_text(5), "compositional_skills/a/b": skill_text(6)})
    tx = load_taxonomy(root)
    assert [leaf.path for leaf in leaves_under(tx, "compositional_skills/a")] == [
        "compositional_skills/a",
        "compositional_skills/a/b",
    ]
    assert rollup(tx, "compositional_skills/a").seeds == 11
    assert rollup(tx, "compositional_skills/a/b").seeds == 6


def test_branches_are_the_graphs_folders_with_children_without_building_it(
    real: Taxonomy, tmp_path: Path
) -> None:
    """branches() reads the leaves' paths; it must agree with the graph it no longer builds."""
    fresh = Taxonomy(real.root, list(real.leaves))
    found = branches(fresh)
    assert fresh._graph is None  # not built (nor networkx needed) for the branch list
    graph = fresh.graph
    assert found == sorted(
        (n for n in graph if n and graph.out_degree(n) > 0), key=lambda p: (p.count("/"), p)
    )
    leaf = real.leaves[0]  # a leaf with a leaf below it: a folder with children, listed once
    nested = Taxonomy(real.root, [leaf, replace(leaf, path=leaf.path + "/inner")])
    assert leaf.path in branches(nested) and len(set(branches(nested))) == len(branches(nested))
