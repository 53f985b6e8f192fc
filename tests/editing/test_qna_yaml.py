"""The qna.yaml writer: every real leaf round-trips, arbitrary text survives, output is lint-clean and
accepted by InstructLab's own parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labui.editing import create_leaf, model_from_leaf, new_leaf_text, write_leaf
from labui.taxonomy import qna_yaml
from labui.taxonomy.load import load_taxonomy
from labui.taxonomy.model import LeafKind
from labui.taxonomy.validate import Severity, lint, validate_text
from tests.official import official_verdicts

SKILL = "compositional_skills/test/leaf/qna.yaml"
ATTRIBUTION = "Title of work: t\nLink to work: l\nRevision: r\nLicense of the work: CC0\nCreator names: c\n"


# ---- golden round trips over the real taxonomy ---------------------------------------------------


def test_every_real_leaf_round_trips_through_the_full_writer(
    real_taxonomy: Path, real_taxonomy_copy: Path
) -> None:
    """`dumps` (the layout for new leaves, and the fallback when a file cannot be patched) holds any
    real leaf's contents exactly, lint-clean, and a write of it keeps every verdict."""
    original = load_taxonomy(real_taxonomy)
    assert len(original.leaves) == 148
    rewritten = 0
    for leaf in original.leaves:
        text = qna_yaml.dumps(leaf.contents, document_start=qna_yaml.has_document_start(leaf.text))
        assert qna_yaml.loads(text) == leaf.contents, leaf.path
        # The layout is lint-clean even for version 1 files, which upstream does not lint.
        assert lint(text, leaf.rel_file) == [], leaf.path
        if leaf.errors:
            continue  # the write refuses invalid content; those two are checked below
        write_leaf(real_taxonomy_copy, leaf.path, text, leaf.sha256)
        rewritten += 1
    assert rewritten == sum(1 for leaf in original.leaves if not leaf.errors)
    after = load_taxonomy(real_taxonomy_copy)
    assert [leaf.path for leaf in after.leaves] == [leaf.path for leaf in original.leaves]
    for old, new in zip(original.leaves, after.leaves, strict=True):
        assert new.contents == old.contents, old.path
        assert list(new.contents) == list(old.contents), f"key order changed: {old.path}"
        assert new.version == old.version, f"version changed without being asked: {old.path}"
        assert ("version" in new.contents) == ("version" in old.contents)
        assert bool(new.errors) == bool(old.errors), old.path


def test_invalid_real_leaves_keep_their_errors_and_are_not_written(real_taxonomy_copy: Path) -> None:
    from labui.editing import LeafContentError

    tx = load_taxonomy(real_taxonomy_copy)
    broken = [leaf for leaf in tx.leaves if leaf.errors]
    assert len(broken) == 2
    for leaf in broken:
        text = model_from_leaf(leaf).to_text()
        with pytest.raises(LeafContentError):
            write_leaf(real_taxonomy_copy, leaf.path, text, leaf.sha256)
        assert leaf.file.read_text(encoding="utf-8") == leaf.text


def test_written_real_leaves_agree_with_the_official_parser(real_taxonomy: Path, tmp_path: Path) -> None:
    """Rewritten with our layout, the official strict parser's verdict on each leaf is unchanged."""
    import shutil

    copy = tmp_path / "t"
    shutil.copytree(real_taxonomy, copy)
    before = official_verdicts(copy)
    for leaf in load_taxonomy(copy).leaves:
        leaf.file.write_text(qna_yaml.dumps(leaf.contents), encoding="utf-8")
    assert official_verdicts(copy) == before


def test_version_one_is_upgraded_only_on_request(real_taxonomy_copy: Path) -> None:
    tx = load_taxonomy(real_taxonomy_copy)
    leaf = next(
        lf
        for lf in tx.leaves
        if lf.version == 1 and not lf.errors and "version" not in lf.contents and lf.seed_count >= 5
    )
    model = model_from_leaf(leaf)
    assert "version" not in qna_yaml.loads(model.to_text())
    model.upgrade()
    model.attribution = ATTRIBUTION
    contents = qna_yaml.loads(model.to_text())
    assert contents["version"] == 3
    assert next(iter(contents)) == "version"
    result = validate_text(model.to_text(), leaf.rel_file, ATTRIBUTION)
    assert not [d for d in result.diagnostics if d.severity is Severity.ERROR]


def test_existing_key_order_is_kept_and_new_leaves_are_canonical() -> None:
    contents = {
        "seed_examples": [{"answer": "a", "question": "q"}],
        "task_description": "t",
        "created_by": "me",
    }
    text = qna_yaml.dumps(contents)
    assert [ln.split(":")[0] for ln in text.splitlines() if not ln.startswith(" ")] == [
        "seed_examples",
        "task_description",
        "created_by",
    ]
    new = new_leaf_text(
        LeafKind.KNOWLEDGE,
        "me",
        domain="D",
        document_outline="O",
        document_repo="r",
        document_commit="c",
        document_patterns=["*.md"],
    )
    keys = [ln.split(":")[0] for ln in new.splitlines() if ln and not ln.startswith((" ", "-"))]
    assert keys == ["version", "created_by", "domain", "document_outline", "seed_examples", "document"]


def test_layout_is_block_scalars_and_indented_sequences() -> None:
    text = qna_yaml.dumps({"seed_examples": [{"question": "q", "answer": "line one\nline two\n"}]})
    assert text == "seed_examples:\n  - question: q\n    answer: |\n      line one\n      line two\n"
    assert qna_yaml.dumps({"a": "x\ny"}) == "a: |-\n  x\n  y\n"


@pytest.mark.parametrize(
    "value",
    [
        "  leading",
        "trailing  ",
        "---",
        "...",
        "a: b",
        "# not a comment",
        "'quoted'",
        '"double"',
        "yes",
        "null",
        "1.5",
        "0x1F",
        "2024-07-01",
        "@at",
        "`tick",
        "- dash",
        "key: |",
        "tab\there",
        "line\n  indented\n",
        "  first line indented\nsecond\n",
        "trail \nspace",
        "many\n\n\n\nblank lines",
        "ends\n\n",
        "\nstarts empty",
        "ünïcödé ✓ 漢字 🙂",
        "\u2028sep",
        "bell\x07",
        "x" * 5000,
        "a " * 3000,
        "",
        " ",
        "\ufeffbom",
        "cr\r\nlf",
    ],
)
def test_awkward_strings_round_trip_lint_clean(value: str) -> None:
    contents = {"version": 3, "created_by": "me", "task_description": value, "seed_examples": [{"q": value}]}
    text = qna_yaml.dumps(contents)
    assert qna_yaml.loads(text) == contents
    assert lint(text, SKILL) == []


# ---- property tests -----------------------------------------------------------------------------

_fragments = st.sampled_from(
    [
        "---",
        "...",
        ": ",
        " #",
        "'",
        '"',
        "\\",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "- ",
        "? ",
        "|",
        ">",
        "&a",
        "*a",
        "!t",
        "%",
        "@",
        "`",
        "{",
        "}",
        "[",
        "]",
        ",",
        "ü",
        "漢",
        "🙂",
        "\u00a0",
        "\x85",
        "\u2028",
        "\r",
        "\x00",
        "\x1b",
    ]
)
_text = st.lists(st.one_of(st.text(st.characters(codec="utf-8"), max_size=30), _fragments), max_size=12).map(
    "".join
)
_long = st.builds(
    lambda s, n: s * n,
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=5),
    st.integers(100, 400),
)
seed_text = st.one_of(_text, _long).filter(lambda s: s.strip() != "")


def _skill(texts: list[str]) -> dict[str, object]:
    seeds = [{"question": f"{t}", "answer": f"answer {i}: {t}", "context": t} for i, t in enumerate(texts)]
    return {"version": 3, "created_by": "me", "task_description": texts[0], "seed_examples": seeds}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(seed_text, min_size=5, max_size=5, unique=True))
def test_arbitrary_seed_text_survives_and_validates(texts: list[str]) -> None:
    contents = _skill(texts)
    text = qna_yaml.dumps(contents, document_start=True)
    assert qna_yaml.loads(text) == contents
    parsed = validate_text(text, SKILL, ATTRIBUTION)
    errors = [d for d in parsed.diagnostics if d.severity is Severity.ERROR]
    assert errors == []


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(texts=st.lists(seed_text, min_size=5, max_size=5, unique=True))
def test_arbitrary_seed_text_survives_a_real_write(sample_taxonomy: Path, texts: list[str]) -> None:
    from labui.editing import LeafModel, SeedDraft

    path = "compositional_skills/writing/email/polite_decline"
    leaf = next(lf for lf in load_taxonomy(sample_taxonomy).leaves if lf.path == path)
    model: LeafModel = model_from_leaf(leaf)
    model.seeds = [SeedDraft(question=t, answer=f"a{i} {t}") for i, t in enumerate(texts)]
    result = write_leaf(sample_taxonomy, path, model.to_text(), leaf.sha256)
    back = load_taxonomy(sample_taxonomy).leaf(path)
    assert back is not None
    assert [(s.question, s.answer) for s in back.seeds] == [(t, f"a{i} {t}") for i, t in enumerate(texts)]
    assert back.errors == 0
    # restore for the next example
    write_leaf(sample_taxonomy, path, leaf.text, result.leaf.sha256)


# ---- the official parser ------------------------------------------------------------------------


def test_new_leaves_of_every_kind_pass_the_official_parser(tmp_path: Path) -> None:
    root = tmp_path / "tx"
    root.mkdir()
    skill_seeds = [
        {"question": f"Question {i}: what is {i} + {i}?", "answer": f"It is {2 * i}.\n"} for i in range(5)
    ]
    grounded = [{**s, "context": f"Table:\n  a | b\n  {i} | {i}\n"} for i, s in enumerate(skill_seeds)]
    knowledge = [
        {
            "context": f"Paragraph {i} about 'things': with colons, quotes \"and\" more.\n",
            "questions_and_answers": [{"question": f"Q{i}.{j}?", "answer": f"A {i}.{j}"} for j in range(3)],
        }
        for i in range(5)
    ]
    create_leaf(
        root,
        "compositional_skills/test/freeform",
        "freeform_skill",
        "me",
        task_description="Adding numbers: a freeform skill",
        seeds=skill_seeds,
    )
    create_leaf(
        root,
        "compositional_skills/test/grounded",
        "grounded_skill",
        "me",
        task_description="Reading tables",
        seeds=grounded,
    )
    create_leaf(
        root,
        "foundational_skills/test/reasoning",
        "freeform_skill",
        "me",
        task_description="Reasoning",
        seeds=skill_seeds,
    )
    create_leaf(
        root,
        "knowledge/test/things",
        "knowledge",
        "me",
        domain="Things",
        document_outline="About things",
        document_repo="https://github.com/example/docs.git",
        document_commit="0123abcd",
        document_patterns=["things.md"],
        seeds=knowledge,
    )
    verdicts = official_verdicts(root)
    assert verdicts == {
        "compositional_skills/test/freeform": False,
        "compositional_skills/test/grounded": False,
        "foundational_skills/test/reasoning": False,
        "knowledge/test/things": False,
    }
    tx = load_taxonomy(root)
    assert {leaf.path: (leaf.kind, leaf.errors) for leaf in tx.leaves} == {
        "compositional_skills/test/freeform": (LeafKind.FREEFORM_SKILL, 0),
        "compositional_skills/test/grounded": (LeafKind.GROUNDED_SKILL, 0),
        "foundational_skills/test/reasoning": (LeafKind.FREEFORM_SKILL, 0),
        "knowledge/test/things": (LeafKind.KNOWLEDGE, 0),
    }
    for leaf in tx.leaves:
        assert lint(leaf.text, leaf.rel_file) == []
