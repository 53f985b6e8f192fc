"""Editing leaves headless: create, import, checked atomic writes, conflicts, drafts, duplicates, changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import labui.editing as editing
from labui.coverage.embed import CachedEmbedder
from labui.editing import LeafConflictError, LeafContentError, LeafExistsError, drafts, placement
from labui.editing.similarity import EmbeddingSimilarityIndex, TextSimilarityIndex, find_duplicates
from labui.errors import ContentError, UsageError
from labui.store import Store
from labui.taxonomy import qna_yaml
from labui.taxonomy.changes import taxonomy_changes
from labui.taxonomy.load import load_taxonomy
from labui.taxonomy.model import LeafKind, SeedExample
from tests.coverage.support import real_encoder

HAIKU = "compositional_skills/writing/poetry/haiku"
ALICE = drafts.Owner.session("alice-session-0001")
BOB = drafts.Owner.reviewer("bob")
SOLAR = "knowledge/science/astronomy/solar_system"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _seeds(n: int, prefix: str = "Q") -> list[dict[str, str]]:
    return [
        {"question": f"{prefix} number {i}: what is {i} squared?", "answer": f"{i * i}"} for i in range(n)
    ]


# ---- create ---------------------------------------------------------------------------------------


def test_create_writes_a_valid_version_3_leaf_and_attribution(sample_taxonomy: Path) -> None:
    result = editing.create_leaf(
        sample_taxonomy,
        "compositional_skills/math/squares",
        "freeform_skill",
        "me",
        task_description="Squaring numbers",
        seeds=_seeds(5),
    )
    folder = sample_taxonomy / "compositional_skills/math/squares"
    assert result.created and result.wrote_attribution and not result.incomplete
    leaf = load_taxonomy(sample_taxonomy).leaf("compositional_skills/math/squares")
    assert leaf is not None and leaf.version == 3 and leaf.errors == 0 and leaf.seed_count == 5
    attribution = (folder / "attribution.txt").read_text()
    assert "Title of work: Squaring numbers" in attribution and "Creator names: me" in attribution
    assert editing.attribution_warnings(attribution)  # link, revision, license are placeholders
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_create_refuses_existing_bad_and_incomplete_leaves_without_changing_anything(
    sample_taxonomy: Path,
) -> None:
    before = _snapshot(sample_taxonomy)
    with pytest.raises(LeafExistsError):
        editing.create_leaf(
            sample_taxonomy, HAIKU, "freeform_skill", "me", task_description="x", seeds=_seeds(5)
        )
    with pytest.raises(LeafContentError, match="created_by must not be empty"):
        editing.create_leaf(
            sample_taxonomy,
            "compositional_skills/a/b",
            "freeform_skill",
            "",
            task_description="x",
            seeds=_seeds(5),
        )
    with pytest.raises(LeafContentError, match="at least 5 are required"):
        editing.create_leaf(
            sample_taxonomy,
            "compositional_skills/a/b",
            "freeform_skill",
            "me",
            task_description="x",
            seeds=_seeds(2),
        )
    with pytest.raises(UsageError):
        editing.create_leaf(
            sample_taxonomy, "../b", "freeform_skill", "me", task_description="x", seeds=_seeds(5)
        )
    assert _snapshot(sample_taxonomy) == before
    assert not (sample_taxonomy / "compositional_skills/a").exists()  # no empty folders left behind


def test_incomplete_leaves_only_when_allowed(sample_taxonomy: Path) -> None:
    result = editing.create_leaf(
        sample_taxonomy,
        "knowledge/a/b",
        "knowledge",
        "me",
        domain="D",
        document_outline="O",
        document_repo="https://x/y.git",
        document_commit="abc",
        document_patterns=["*.md"],
        allow_incomplete=True,
    )
    assert result.incomplete and result.leaf.errors == 1
    need = editing.seeds_needed(editing.model_from_leaf(result.leaf))
    assert need.seeds == 5 and need.message(LeafKind.KNOWLEDGE).startswith("5 more contexts")
    # Other errors are never let through, incomplete or not.
    with pytest.raises(LeafContentError):
        editing.create_leaf(
            sample_taxonomy,
            "knowledge/a/c",
            "knowledge",
            "me",
            domain="",
            document_outline="O",
            document_repo="r",
            document_commit="c",
            document_patterns=["*.md"],
            allow_incomplete=True,
        )


# ---- conflicts --------------------------------------------------------------------------------------


def test_two_editors_the_second_save_is_refused_and_nothing_is_lost(sample_taxonomy: Path) -> None:
    _, alice = editing.open_leaf(sample_taxonomy, HAIKU)
    _, bob = editing.open_leaf(sample_taxonomy, HAIKU)
    alice.seeds[0].answer = "Alice's answer\n"
    bob.seeds[1].answer = "Bob's answer\n"
    editing.save_model(sample_taxonomy, alice)
    on_disk = (sample_taxonomy / HAIKU / "qna.yaml").read_text()
    with pytest.raises(LeafConflictError) as exc:
        editing.save_model(sample_taxonomy, bob)
    assert (sample_taxonomy / HAIKU / "qna.yaml").read_text() == on_disk  # Alice's save stands
    assert "Alice's answer" in (exc.value.disk_text or "")
    assert "Bob's answer" in exc.value.mine_text  # Bob's work is handed back, both versions shown
    # Bob's edits survive as a draft and can be saved over the disk version once he has seen both.
    store = Store.for_taxonomy(sample_taxonomy)
    drafts.save_draft(store, bob, BOB)
    restored = drafts.load_draft(store, HAIKU, BOB, load_taxonomy(sample_taxonomy).leaf(HAIKU))
    assert restored is not None and restored[0].seeds[1].answer == "Bob's answer\n"
    editing.save_model(sample_taxonomy, restored[0], force=True)
    assert "Bob's answer" in (sample_taxonomy / HAIKU / "qna.yaml").read_text()


def test_a_file_changed_by_another_program_is_a_conflict(sample_taxonomy: Path) -> None:
    _, model = editing.open_leaf(sample_taxonomy, HAIKU)
    file = sample_taxonomy / HAIKU / "qna.yaml"
    file.write_text(file.read_text() + "# edited elsewhere\n")
    model.created_by = "someone"
    with pytest.raises(LeafConflictError):
        editing.save_model(sample_taxonomy, model)
    assert file.read_text().endswith("# edited elsewhere\n")
    file.unlink()
    with pytest.raises(LeafConflictError, match="deleted"):
        editing.save_model(sample_taxonomy, model)
    assert not file.exists()


def test_two_creators_of_the_same_new_leaf(sample_taxonomy: Path) -> None:
    first = editing.new_model(
        "compositional_skills/x/y", "freeform_skill", "a", task_description="t", seeds=_seeds(5, "A")
    )
    second = editing.new_model(
        "compositional_skills/x/y", "freeform_skill", "b", task_description="t", seeds=_seeds(5, "B")
    )
    editing.save_model(sample_taxonomy, first)
    with pytest.raises(LeafConflictError):
        editing.save_model(sample_taxonomy, second)
    assert "A number" in (sample_taxonomy / "compositional_skills/x/y/qna.yaml").read_text()


def test_write_keeps_file_permissions(sample_taxonomy: Path) -> None:
    file = sample_taxonomy / HAIKU / "qna.yaml"
    os.chmod(file, 0o640)
    _, model = editing.open_leaf(sample_taxonomy, HAIKU)
    model.created_by = "someone"
    editing.save_model(sample_taxonomy, model)
    assert file.stat().st_mode & 0o777 == 0o640


FULL_DISK_SAVE = """
import resource, signal, sys
from pathlib import Path
import labui.editing as editing
from labui.errors import UsageError

root, leaf = Path(sys.argv[1]), sys.argv[2]
_, model = editing.open_leaf(root, leaf)
model.created_by = "someone-with-a-much-longer-name-than-before " * 200
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
try:
    editing.save_model(root, model)
except UsageError as exc:
    print(exc)
    sys.exit(2)
"""


def test_a_full_disk_refuses_the_save_and_changes_nothing(sample_taxonomy: Path) -> None:
    before = _snapshot(sample_taxonomy)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-c", FULL_DISK_SAVE, str(sample_taxonomy), HAIKU],
        capture_output=True, text=True, timeout=120, cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "the disk is full" in proc.stdout and "the file was not changed" in proc.stdout
    assert _snapshot(sample_taxonomy) == before  # no half file, no temporary file left beside it


# ---- the model ------------------------------------------------------------------------------------


def test_seed_card_operations_and_key_order(real_taxonomy_copy: Path) -> None:
    path = "compositional_skills/extraction/receipt/plain_text"
    _, model = editing.open_leaf(real_taxonomy_copy, path)
    n = len(model.seeds)
    first, second = model.seeds[0].id, model.seeds[1].id
    model.move_seed(first, 1)
    assert [s.id for s in model.seeds[:2]] == [second, first]
    copy = model.duplicate_seed(first)
    assert model.seeds[2] is copy and copy.to_dict() == model.seeds[1].to_dict() and copy.origin is None
    model.remove_seed(copy.id)
    new = model.add_seed()
    new.question, new.answer, new.context = "Q?", "A.", "ctx"
    contents = qna_yaml.loads(model.to_text())
    # The file's own (alphabetical) key order is kept, for new seeds too.
    assert list(contents) == ["created_by", "seed_examples", "task_description"]
    assert list(contents["seed_examples"][-1]) == ["answer", "context", "question"]
    assert len(contents["seed_examples"]) == n + 1


def test_knowledge_model_and_seeds_needed(sample_taxonomy: Path) -> None:
    _, model = editing.open_leaf(sample_taxonomy, SOLAR)
    assert all(s.is_knowledge for s in model.seeds)
    seed = model.add_seed()
    assert seed.qnas is not None and len(seed.qnas) == 3
    model.remove_qna(seed.id, seed.qnas[0].id)
    need = editing.seeds_needed(model)
    assert need.qnas == {len(model.seeds) - 1: 1}


def test_diagnostics_land_on_their_fields(sample_taxonomy: Path) -> None:
    _, model = editing.open_leaf(sample_taxonomy, HAIKU)
    model.seeds[2].answer = ""
    model.seeds[3].question = " ".join(["word"] * 300)
    model.seeds[1].extra["surprise"] = "a key the schema does not allow"
    leaf = model.to_leaf(sample_taxonomy / HAIKU / "qna.yaml")
    by_field = placement.diagnostics_by_field(leaf)
    assert "seed_examples.2.answer" in by_field
    assert [d.code for d in by_field["seed_examples.3.question"]] == ["seed-words"]
    rendered = placement.rendered_fields(model)
    placed = placement.place_diagnostics(by_field, rendered)
    # A field with a place keeps its problem; one without (the unknown key) goes to its seed's card.
    assert placed["seed_examples.2.answer"] == by_field["seed_examples.2.answer"]
    assert "schema-unknown-key" in [d.code for d in placed["seed_examples.1"]]
    assert placement.nearest_field("seed_examples.99.question", rendered) == "seed_examples"
    assert placement.nearest_field("no_such_key.deeper", rendered) == ""


# ---- import ---------------------------------------------------------------------------------------


def test_import_jsonl_csv_yaml_with_repeats_skipped(sample_taxonomy: Path, tmp_path: Path) -> None:
    jsonl = tmp_path / "s.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in [*_seeds(3), _seeds(1)[0]]))
    result = editing.import_seeds(sample_taxonomy, HAIKU, jsonl)
    assert (result.added, result.repeats) == (3, 1)
    csv_file = tmp_path / "s.csv"
    csv_file.write_text(
        'question,answer\n"Q number 0: what is 0 squared?",0\n"A new one, with a comma?",yes\n'
    )
    assert (lambda r: (r.added, r.repeats))(editing.import_seeds(sample_taxonomy, HAIKU, csv_file)) == (1, 1)
    yml = tmp_path / "s.yaml"
    yml.write_text("- question: 'From YAML: a colon'\n  answer: |\n    two\n    lines\n")
    editing.import_seeds(sample_taxonomy, HAIKU, yml)
    leaf = load_taxonomy(sample_taxonomy).leaf(HAIKU)
    assert leaf is not None and leaf.errors == 0
    assert leaf.seeds[-1] == SeedExample("From YAML: a colon", "two\nlines\n")
    again = editing.import_seeds(sample_taxonomy, HAIKU, jsonl)
    assert again.write is None and again.repeats == 4


def test_import_knowledge_rows_join_their_context(sample_taxonomy: Path, tmp_path: Path) -> None:
    _, model = editing.open_leaf(sample_taxonomy, SOLAR)
    context = model.seeds[0].context
    rows = [{"context": context, "question": "Is the Sun a star?", "answer": "Yes, a yellow dwarf."}]
    file = tmp_path / "k.jsonl"
    file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = editing.import_seeds(sample_taxonomy, SOLAR, file)
    assert result.added == 1
    leaf = load_taxonomy(sample_taxonomy).leaf(SOLAR)
    assert leaf is not None and leaf.errors == 0
    assert leaf.seed_count == len(model.seeds) and len(leaf.seeds[0].pairs) == 4


@pytest.mark.parametrize(
    ("name", "body", "error"),
    [
        ("bad.jsonl", '{"question": "q"\n', ContentError),
        ("bad.jsonl", '{"question": "q"}\n', ContentError),
        ("bad.csv", "q,a\n1,2\n", ContentError),
        ("bad.yaml", "- question: [unclosed\n", ContentError),
        ("bad.yaml", "just text\n", ContentError),
        ("bad.txt", "x", UsageError),
    ],
)
def test_bad_import_files_change_nothing(
    sample_taxonomy: Path, tmp_path: Path, name: str, body: str, error: type[Exception]
) -> None:
    before = _snapshot(sample_taxonomy)
    file = tmp_path / name
    file.write_text(body)
    with pytest.raises(error):
        editing.import_seeds(sample_taxonomy, HAIKU, file)
    assert _snapshot(sample_taxonomy) == before


def test_import_that_breaks_validation_is_refused(sample_taxonomy: Path, tmp_path: Path) -> None:
    before = _snapshot(sample_taxonomy)
    file = tmp_path / "x.jsonl"
    # A new context with one Q&A pair: knowledge needs three per context.
    file.write_text(json.dumps({"context": "A new paragraph.", "question": "q?", "answer": "a"}) + "\n")
    with pytest.raises(LeafContentError, match="at least 3 are required"):
        editing.import_seeds(sample_taxonomy, SOLAR, file)
    assert _snapshot(sample_taxonomy) == before
    result = editing.import_seeds(sample_taxonomy, SOLAR, file, allow_incomplete=True)
    assert result.write is not None and result.write.incomplete


# ---- drafts ---------------------------------------------------------------------------------------


def test_drafts_round_trip_new_leaves_with_kind_and_attribution(sample_taxonomy: Path) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    model = editing.new_model("compositional_skills/x/grounded", "grounded_skill", "me", task_description="t")
    model.attribution = "Title of work: mine\n"
    drafts.save_draft(store, model, BOB)
    assert [d.leaf_path for d in drafts.list_drafts(store)] == ["compositional_skills/x/grounded"]
    restored = drafts.load_draft(
        Store.for_taxonomy(sample_taxonomy), "compositional_skills/x/grounded", BOB, None
    )
    assert restored is not None
    again, info = restored
    assert again.kind is LeafKind.GROUNDED_SKILL and again.is_new and info.base_sha256 is None
    assert again.attribution == "Title of work: mine\n" and again.to_text() == model.to_text()
    drafts.discard_draft(store, "compositional_skills/x/grounded", BOB)
    assert drafts.list_drafts(store) == []


# ---- duplicates -----------------------------------------------------------------------------------


def test_duplicate_guard_finds_exact_and_near_repeats_in_other_leaves(sample_taxonomy: Path) -> None:
    tx = load_taxonomy(sample_taxonomy)
    index = TextSimilarityIndex.from_taxonomy(tx)
    other = tx.leaf("compositional_skills/writing/email/polite_decline")
    assert other is not None
    copied = other.seeds[1]
    near = SeedExample(copied.question.replace("Help me", "Please help me"), copied.answer)
    fresh = SeedExample("Write a haiku about a lighthouse.", "Beam sweeps the black sea\n")
    hits = find_duplicates(HAIKU, [copied, near, fresh, fresh], index)
    by_seed = {h.seed: h for h in hits}
    assert by_seed[0].exact and by_seed[0].other.leaf_path == other.path and by_seed[0].other.seed == 1
    assert not by_seed[1].exact and by_seed[1].score >= 0.8
    assert by_seed[2].other.leaf_path == HAIKU and by_seed[2].other.seed == 3  # a repeat within the leaf
    assert find_duplicates(HAIKU, [fresh], index) == []


def test_duplicate_guard_by_meaning_with_the_real_encoder(real_taxonomy: Path, tmp_path: Path) -> None:
    """Reworded seeds share few trigrams; the embedding index still finds them, here and across leaves."""
    tx = load_taxonomy(real_taxonomy)
    leaf = tx.leaf("compositional_skills/writing/freeform/poetry/haiku")
    assert leaf is not None
    original = next(s for s in leaf.seeds if "single autumn leaf" in s.question)
    embedder = CachedEmbedder(real_encoder(), Store(tmp_path / "ws.sqlite"))
    meaning = EmbeddingSimilarityIndex.from_taxonomy(tx, embedder)
    text = TextSimilarityIndex.from_taxonomy(tx)
    reworded = SeedExample("Compose a haiku capturing how beautiful one autumn leaf is.", original.answer)
    unrelated = SeedExample("Convert 3 miles to kilometres.", "3 miles is about 4.83 kilometres.")
    fresh = SeedExample("Write a haiku about a lighthouse in a storm.", "Beam through the black rain\n")
    mine = "compositional_skills/writing/freeform/poetry/moonlight"  # a new leaf beside the haiku one

    assert find_duplicates(mine, [reworded], text) == []  # too few shared trigrams for the text check
    hits = find_duplicates(mine, [reworded, unrelated, fresh], [text, meaning])
    assert [(h.seed, h.kind, h.other.leaf_path) for h in hits] == [(0, "meaning", leaf.path)]
    assert hits[0].score >= meaning.threshold and "says nearly the same as" in hits[0].message()
    # Within the leaf being edited too, and an exact copy is still reported by the text check first.
    both = find_duplicates(
        mine, [fresh, SeedExample(fresh.question.replace("Write", "Compose"), fresh.answer)], [meaning]
    )
    assert [(h.seed, h.other.seed) for h in both] == [(0, 1), (1, 0)]
    exact = find_duplicates(mine, [original], [text, meaning])
    assert exact[0].kind == "text" and exact[0].exact
    # The tree's seeds were embedded once; a second index over the same store embeds nothing new.
    again = CachedEmbedder(real_encoder(), Store(tmp_path / "ws.sqlite"))
    EmbeddingSimilarityIndex.from_taxonomy(tx, again)
    assert again.stats.misses == 0


# ---- git changes ----------------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env=dict(
            os.environ,
            GIT_AUTHOR_NAME="t",
            GIT_AUTHOR_EMAIL="t@t",
            GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@t",
        ),
    )


def test_changes_against_head(sample_taxonomy: Path) -> None:
    assert not taxonomy_changes(sample_taxonomy).is_git
    _git(sample_taxonomy, "init", "-q")
    assert {c.change for c in taxonomy_changes(sample_taxonomy).changes} == {"added"}  # no commit yet
    _git(sample_taxonomy, "add", ".")
    _git(sample_taxonomy, "commit", "-qm", "base")
    assert taxonomy_changes(sample_taxonomy).changes == []
    _, model = editing.open_leaf(sample_taxonomy, HAIKU)
    model.seeds[0].answer = ""
    (sample_taxonomy / HAIKU / "qna.yaml").write_text(model.to_text())
    editing.create_leaf(
        sample_taxonomy,
        "compositional_skills/new/leaf",
        "freeform_skill",
        "me",
        task_description="t",
        seeds=_seeds(5),
    )
    (sample_taxonomy / SOLAR / "qna.yaml").unlink()
    report = taxonomy_changes(sample_taxonomy)
    got = {c.path: (c.change, c.status) for c in report.changes}
    assert got == {
        "compositional_skills/new/leaf": ("added", "ok"),
        HAIKU: ("modified", "error"),
        SOLAR: ("deleted", "deleted"),
    }
    assert report.errors == 1
