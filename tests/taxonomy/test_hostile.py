"""Hostile or odd files: each is a diagnostic with its code, fast, with memory flat; nothing leaks."""

from __future__ import annotations

import os
import signal
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from labui.errors import ContentError, FileRefusedError
from labui.fsio import read_bytes_capped
from labui.taxonomy import Code, load_limited, load_taxonomy
from labui.taxonomy.validate import validate_text
from tests.taxonomy.conftest import skill_text

LEAF = "compositional_skills/writing/haiku"
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi", strict=True)
)
SECRET = "s3cr3t-token-do-not-read"


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail instead of hanging: a read that blocks (a FIFO) is interrupted after 10 s."""

    def fail(signum: int, frame: object) -> None:
        raise TimeoutError("the load blocked")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _codes(root: Path, leaf: str = LEAF) -> list[str]:
    found = load_taxonomy(root).leaf(leaf)
    assert found is not None
    return [str(d.code) for d in found.diagnostics]


def test_the_bomb_is_a_bomb() -> None:
    """The fixture is the real attack: 9 levels of 9 aliases, 9**9 (387 million) strings expanded."""
    assert len(BOMB.encode()) < 420 and BOMB.count("*") == 72


def test_alias_bomb_is_refused_before_expansion_fast_and_flat(
    make_taxonomy: Callable[[dict[str, str]], Path],
) -> None:
    root = make_taxonomy({LEAF: BOMB})
    tracemalloc.start()
    t = time.perf_counter()
    leaf = load_taxonomy(root).leaf(LEAF)
    seconds = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert leaf is not None
    assert [d.code for d in leaf.diagnostics] == [Code.YAML_LIMITS]
    assert "alias" in leaf.diagnostics[0].message
    assert seconds < 1.0 and peak < 20_000_000, (seconds, peak)


def test_alias_bomb_inside_a_real_looking_leaf(make_taxonomy: Callable[[dict[str, str]], Path]) -> None:
    text = skill_text().replace("created_by: tester", "created_by: tester\n" + BOMB.replace("\n", "\n", 1))
    root = make_taxonomy({LEAF: text})
    assert _codes(root) == [Code.YAML_LIMITS]


def test_load_limited_refuses_what_uploads_and_imports_must_not_expand() -> None:
    with pytest.raises(ContentError, match="alias"):
        load_limited(BOMB, "upload.yaml")
    with pytest.raises(ContentError, match="nests more than"):
        load_limited("- " * 5000 + "x\n", "upload.yaml")
    with pytest.raises(ContentError, match="contains it"):
        load_limited("a: &a [1, *a]\n", "upload.yaml")
    assert load_limited("x: &x [1, 2]\ny: *x\n") == {"x": [1, 2], "y": [1, 2]}, "plain aliases still work"


def test_deep_nesting_is_a_diagnostic_not_a_crash() -> None:
    for text in (
        "a: " + "[" * 100_000,
        "a:\n" + "".join(" " * i + "- \n" for i in range(0, 400, 2)) + "   x\n",
    ):
        (d,) = validate_text(text, f"{LEAF}/qna.yaml").diagnostics
        assert d.code in (Code.YAML_LIMITS, Code.YAML_SYNTAX)


def test_a_link_out_of_the_taxonomy_is_not_read(
    make_taxonomy: Callable[[dict[str, str]], Path], tmp_path: Path
) -> None:
    root = make_taxonomy({LEAF: skill_text()})
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"created_by: {SECRET}\n", encoding="utf-8")
    qna = root / LEAF / "qna.yaml"
    qna.unlink()
    qna.symlink_to(outside)
    tx = load_taxonomy(root)
    leaf = tx.leaf(LEAF)
    assert leaf is not None and [d.code for d in leaf.diagnostics] == [Code.FILE_REFUSED]
    assert "outside the taxonomy" in leaf.diagnostics[0].message
    assert SECRET not in repr(tx)


def test_a_link_inside_the_taxonomy_is_read(make_taxonomy: Callable[[dict[str, str]], Path]) -> None:
    root = make_taxonomy({LEAF: skill_text(), "compositional_skills/writing/copy": skill_text()})
    qna = root / "compositional_skills/writing/copy/qna.yaml"
    qna.unlink()
    qna.symlink_to(root / LEAF / "qna.yaml")
    leaf = load_taxonomy(root).leaf("compositional_skills/writing/copy")
    assert leaf is not None and not leaf.errors and leaf.seed_count == 5


def test_an_attribution_link_out_is_not_read(
    make_taxonomy: Callable[[dict[str, str]], Path], tmp_path: Path
) -> None:
    root = make_taxonomy({LEAF: skill_text()})
    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET, encoding="utf-8")
    att = root / LEAF / "attribution.txt"
    att.unlink()
    att.symlink_to(outside)
    tx = load_taxonomy(root)
    leaf = tx.leaf(LEAF)
    assert leaf is not None
    assert [(d.code, d.path) for d in leaf.diagnostics] == [(Code.FILE_REFUSED, f"{LEAF}/attribution.txt")]
    assert SECRET not in repr(tx)


def test_a_fifo_does_not_hang(make_taxonomy: Callable[[dict[str, str]], Path], alarm: None) -> None:
    root = make_taxonomy({LEAF: skill_text()})
    qna = root / LEAF / "qna.yaml"
    qna.unlink()
    os.mkfifo(qna)
    assert _codes(root) == [Code.FILE_REFUSED]


def test_dev_zero_is_refused(make_taxonomy: Callable[[dict[str, str]], Path], alarm: None) -> None:
    root = make_taxonomy({LEAF: skill_text()})
    qna = root / LEAF / "qna.yaml"
    qna.unlink()
    qna.symlink_to("/dev/zero")
    assert _codes(root) == [Code.FILE_REFUSED]
    with pytest.raises(FileRefusedError, match="not a regular file"):
        read_bytes_capped(Path("/dev/zero"))  # even with no root to leave


def test_size_cap_is_a_setting_and_a_diagnostic(
    make_taxonomy: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_taxonomy({LEAF: skill_text()})
    assert _codes(root) == []
    monkeypatch.setenv("LABUI_MAX_FILE_BYTES", "100")
    assert _codes(root) == [Code.FILE_REFUSED]
    assert "cap" in load_taxonomy(root).diagnostics[0].message


def test_a_20_mb_file_is_refused_at_once(make_taxonomy: Callable[[dict[str, str]], Path]) -> None:
    root = make_taxonomy({LEAF: skill_text()})
    with open(root / LEAF / "qna.yaml", "a", encoding="utf-8") as f:
        f.write("# padding\n" * 2_000_000)
    t = time.perf_counter()
    assert _codes(root) == [Code.FILE_REFUSED]
    assert time.perf_counter() - t < 1.0


def test_a_folder_link_out_of_the_root_is_not_walked(
    make_taxonomy: Callable[[dict[str, str]], Path], tmp_path: Path
) -> None:
    root = make_taxonomy({LEAF: skill_text()})
    outside = tmp_path / "elsewhere" / "leaf"
    outside.mkdir(parents=True)
    (outside / "qna.yaml").write_text(skill_text(), encoding="utf-8")
    (root / "compositional_skills" / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert [leaf.path for leaf in load_taxonomy(root).leaves] == [LEAF]


def test_a_question_that_is_a_list_is_reported_not_coerced(
    make_taxonomy: Callable[[dict[str, str]], Path],
) -> None:
    text = skill_text().replace(
        "question: Write a haiku about item 0.", "question: [Write a haiku, about item 0]"
    )
    root = make_taxonomy({LEAF: text})
    leaf = load_taxonomy(root).leaf(LEAF)
    assert leaf is not None
    (d,) = [d for d in leaf.diagnostics if d.severity.value == "error"]
    assert (d.code, d.yaml_path, d.line) == (Code.SCHEMA_TYPE, "seed_examples.0.question", 5)
    seed = leaf.seeds[0]
    assert seed.not_text == ("question",)
    assert seed.question == '["Write a haiku", "about item 0"]', "shown as what it is, for display only"
    assert (root / LEAF / "qna.yaml").read_text(encoding="utf-8") == text, "the file is untouched"
