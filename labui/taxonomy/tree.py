"""The taxonomy: finding leaves, reading them into domain objects, and validating every one.

A taxonomy is a folder in the InstructLab layout (`compositional_skills/`, `foundational_skills/`,
`knowledge/`) with one `qna.yaml` per leaf. Loading never raises on bad content; a leaf that cannot
be parsed still appears, with its diagnostics, so the UI can point at the broken line.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from labui.errors import UsageError
from labui.taxonomy.validate import Diagnostic, Severity, validate_text, warm_up

LEAF_FILE = "qna.yaml"
ATTRIBUTION_FILE = "attribution.txt"
BRANCHES = ("compositional_skills", "foundational_skills", "knowledge")
# Below this many leaves a process pool costs more than it saves (measured in bench/).
PARALLEL_THRESHOLD = 400


class LeafKind(StrEnum):
    KNOWLEDGE = "knowledge"
    FREEFORM_SKILL = "freeform_skill"
    GROUNDED_SKILL = "grounded_skill"


@dataclass(frozen=True, slots=True)
class QnA:
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class SeedExample:
    """A skill seed (question, answer, optional context) or a knowledge seed (context + Q&As)."""

    question: str = ""
    answer: str = ""
    context: str | None = None
    questions_and_answers: tuple[QnA, ...] = ()

    @property
    def pairs(self) -> tuple[QnA, ...]:
        """Every question/answer pair of this seed, whatever the kind."""
        if self.questions_and_answers:
            return self.questions_and_answers
        return (QnA(self.question, self.answer),) if (self.question or self.answer) else ()

    def text(self) -> str:
        """All the words of the seed, for search and embedding."""
        parts = [self.context or ""]
        for qa in self.pairs:
            parts += [qa.question, qa.answer]
        return "\n".join(p for p in parts if p)


@dataclass(slots=True)
class Leaf:
    """One `qna.yaml` with what was read from it and every problem found in it."""

    path: str  # folder relative to the taxonomy root, POSIX, e.g. "compositional_skills/writing/haiku"
    file: Path  # absolute path of the qna.yaml
    text: str
    sha256: str
    kind: LeafKind
    version: int
    contents: Mapping[str, Any]
    seeds: list[SeedExample]
    diagnostics: list[Diagnostic]
    attribution: str | None = None

    @property
    def rel_file(self) -> str:
        return f"{self.path}/{LEAF_FILE}" if self.path else LEAF_FILE

    @property
    def branch(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    @property
    def status(self) -> str:
        return "error" if self.errors else ("warning" if self.warnings else "ok")

    def _str(self, key: str) -> str:
        value = self.contents.get(key)
        return value if isinstance(value, str) else ""

    @property
    def created_by(self) -> str:
        return self._str("created_by")

    @property
    def task_description(self) -> str:
        return self._str("task_description")

    @property
    def domain(self) -> str:
        return self._str("domain")

    @property
    def document_outline(self) -> str:
        return self._str("document_outline")

    @property
    def document(self) -> Mapping[str, Any] | None:
        doc = self.contents.get("document")
        return doc if isinstance(doc, Mapping) else None

    @property
    def description(self) -> str:
        """What the leaf is about in one line: task description, else domain and outline."""
        return self.task_description or " - ".join(p for p in (self.domain, self.document_outline) if p)

    @property
    def seed_count(self) -> int:
        return len(self.seeds)

    @property
    def qna_count(self) -> int:
        return sum(len(s.pairs) for s in self.seeds)

    def to_record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind.value,
            "version": self.version,
            "seed_examples": self.seed_count,
            "created_by": self.created_by,
            "task_description": self.task_description,
            "domain": self.domain,
            "errors": self.errors,
            "warnings": self.warnings,
        }


@dataclass(slots=True)
class Taxonomy:
    root: Path
    leaves: list[Leaf] = field(default_factory=list)
    _by_path: dict[str, Leaf] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_path = {leaf.path: leaf for leaf in self.leaves}

    def leaf(self, path: str) -> Leaf | None:
        return self._by_path.get(path.strip("/"))

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for leaf in self.leaves for d in leaf.diagnostics]

    @property
    def errors(self) -> int:
        return sum(leaf.errors for leaf in self.leaves)

    @property
    def warnings(self) -> int:
        return sum(leaf.warnings for leaf in self.leaves)

    def counts_by_kind(self) -> dict[str, int]:
        counts = Counter(leaf.kind.value for leaf in self.leaves)
        return {k.value: counts.get(k.value, 0) for k in LeafKind}


# --------------------------------------------------------------------------------------------------
# Reading.


def _as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def seeds_from(contents: Mapping[str, Any]) -> list[SeedExample]:
    """Seed examples from parsed contents, tolerant of wrong shapes (validation reports those)."""
    raw = contents.get("seed_examples")
    if not isinstance(raw, list):
        return []
    seeds = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        context = item.get("context")
        qnas = item.get("questions_and_answers")
        pairs: tuple[QnA, ...] = ()
        if isinstance(qnas, list):
            pairs = tuple(
                QnA(_as_str(q.get("question")), _as_str(q.get("answer")))
                for q in qnas
                if isinstance(q, Mapping)
            )
        seeds.append(
            SeedExample(
                question=_as_str(item.get("question")),
                answer=_as_str(item.get("answer")),
                context=context if isinstance(context, str) else None,
                questions_and_answers=pairs,
            )
        )
    return seeds


def classify(path: str, contents: Mapping[str, Any], seeds: Sequence[SeedExample]) -> LeafKind:
    if path.split("/", 1)[0] == "knowledge" or "document" in contents:
        return LeafKind.KNOWLEDGE
    if any(s.context for s in seeds):
        return LeafKind.GROUNDED_SKILL
    return LeafKind.FREEFORM_SKILL


def build_leaf(text: str, rel_dir: str, file: Path, attribution: str | None) -> Leaf:
    """Validate `text` as the qna.yaml of the leaf at `rel_dir` and build the Leaf (no I/O)."""
    rel_file = f"{rel_dir}/{LEAF_FILE}" if rel_dir else LEAF_FILE
    parsed = validate_text(text, rel_file, attribution)
    contents: Mapping[str, Any] = parsed.contents if isinstance(parsed.contents, Mapping) else {}
    seeds = seeds_from(contents)
    return Leaf(
        path=rel_dir,
        file=file,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        kind=classify(rel_dir, contents, seeds),
        version=parsed.version,
        contents=contents,
        seeds=seeds,
        diagnostics=parsed.diagnostics,
        attribution=attribution,
    )


def decode(data: bytes, rel_file: str) -> tuple[str, Diagnostic | None]:
    """Bytes to text; undecodable bytes are a diagnostic at their true position, not a crash."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        return "", Diagnostic(rel_file, line, col, Severity.ERROR, msg, "encoding", "yaml")


def load_leaf(root: Path, file: Path) -> Leaf:
    """Read and validate one leaf file under `root`."""
    rel_dir = file.parent.relative_to(root).as_posix()
    rel_dir = "" if rel_dir == "." else rel_dir
    try:
        attribution: str | None = (file.parent / ATTRIBUTION_FILE).read_text(
            encoding="utf-8", errors="replace"
        )
    except FileNotFoundError:
        attribution = None
    text, problem = decode(file.read_bytes(), f"{rel_dir}/{LEAF_FILE}" if rel_dir else LEAF_FILE)
    leaf = build_leaf(text, rel_dir, file, attribution)
    if problem is not None:
        leaf.diagnostics = [problem]
    return leaf


def find_leaves(root: Path) -> list[Path]:
    """Every `qna.yaml` under root, sorted; hidden folders (.git, .labui) and symlinks are skipped."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not os.path.islink(os.path.join(dirpath, d))
        )
        if LEAF_FILE in filenames:
            found.append(Path(dirpath) / LEAF_FILE)
    return sorted(found)


def _load_chunk(root: Path, files: list[Path]) -> list[Leaf]:
    return [load_leaf(root, f) for f in files]


def _chunks(items: Sequence[Path], n: int) -> Iterable[list[Path]]:
    size = max(1, -(-len(items) // n))
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def check_root(root: str | os.PathLike[str]) -> Path:
    path = Path(root).expanduser()
    if not path.exists():
        raise UsageError(f"taxonomy folder not found: {path}")
    if not path.is_dir():
        raise UsageError(f"not a folder: {path}")
    return path.resolve()


def load_taxonomy(root: str | os.PathLike[str], workers: int | None = None) -> Taxonomy:
    """Load and validate every leaf under `root`.

    `workers`: processes to spread the work over; None picks by size (1 for small trees, where a
    pool's start-up costs more than it saves).
    """
    base = check_root(root)
    files = find_leaves(base)
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if len(files) >= PARALLEL_THRESHOLD else 1
    if workers <= 1 or len(files) < 2:
        leaves = _load_chunk(base, files)
    else:
        # A few chunks per worker balance uneven leaves without paying per-file pickling.
        chunks = list(_chunks(files, workers * 4))
        from concurrent.futures import ProcessPoolExecutor

        warm_up()  # compiled once here; forked workers inherit it instead of each compiling again
        with ProcessPoolExecutor(max_workers=workers) as pool:
            leaves = [leaf for part in pool.map(_load_chunk, [base] * len(chunks), chunks) for leaf in part]
    return Taxonomy(base, leaves)


def fingerprint(root: str | os.PathLike[str]) -> tuple[tuple[str, int, int], ...]:
    """A cheap key that changes whenever a leaf or attribution file changes (stat only, no reads)."""
    base = check_root(root)
    out = []
    for f in find_leaves(base):
        for p in (f, f.parent / ATTRIBUTION_FILE):
            try:
                st = p.stat()
            except FileNotFoundError:
                continue
            out.append((p.relative_to(base).as_posix(), st.st_mtime_ns, st.st_size))
    return tuple(out)
