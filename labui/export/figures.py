"""Quality figures of an export, gathered in the same streaming pass that writes the rows.

Memory does not grow with the number of samples: counters per leaf, gate, teacher and reviewer, and
for diversity only the first `DIVERSITY_SAMPLE` exported questions of each leaf (id order, so the
figures are the same on every export of the same decisions).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from labui.editing.similarity import jaccard
from labui.export.messages import Reviewed
from labui.review.gates import GATES
from labui.store.review import STATUSES

# Gate groups the card reports as rates (share of exported samples a gate had flagged).
RATE_GROUPS: dict[str, tuple[str, ...]] = {
    "duplicate": ("exact_duplicate", "near_duplicate", "semantic_duplicate"),
    "seed_copy": ("seed_copy",),
    "pii": ("pii",),
    "real_data_closeness": ("real_data_copy",),
}
DIVERSITY_SAMPLE = 100
_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _gate_order(gate: str) -> tuple[int, str]:
    return (GATES.index(gate) if gate in GATES else len(GATES), gate)


def size_category(n: int) -> str:
    """Hugging Face's size_categories bucket for n rows."""
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if n < limit:
            return label
    return "1M<n<10M" if n < 10_000_000 else "n>10M"


class _LeafDiversity:
    """Lexical diversity of a leaf's exported questions: distinct bigrams, closeness to its seeds."""

    def __init__(self, seed_questions: Sequence[str]) -> None:
        self.seeds = [frozenset(_words(q)) for q in seed_questions if q.strip()]
        self.bigrams: set[tuple[str, str]] = set()
        self.total_bigrams = 0
        self.seed_closeness: list[float] = []
        self.n = 0

    def add(self, question: str) -> None:
        if self.n >= DIVERSITY_SAMPLE:
            return
        self.n += 1
        words = _words(question)
        pairs = list(itertools.pairwise(words))
        self.bigrams.update(pairs)
        self.total_bigrams += len(pairs)
        if self.seeds:
            mine = frozenset(words)
            self.seed_closeness.append(max(jaccard(mine, seed) for seed in self.seeds))

    def result(self) -> dict[str, Any]:
        return {
            "sampled": self.n,
            "distinct_bigrams": round(len(self.bigrams) / self.total_bigrams, 4)
            if self.total_bigrams
            else None,
            "mean_max_seed_jaccard": (
                round(sum(self.seed_closeness) / len(self.seed_closeness), 4) if self.seed_closeness else None
            ),
        }


class Figures:
    """Accumulates the figures of one export; `add` every candidate sample, `result` at the end."""

    def __init__(self, seed_questions: Mapping[str, Sequence[str]], *, include_unreviewed: bool) -> None:
        self.seed_questions = seed_questions
        self.include_unreviewed = include_unreviewed
        self.per_leaf: dict[str, dict[str, Any]] = {}
        self.gates: dict[str, Counter[str]] = {}
        self.exported_flags: Counter[str] = Counter()
        self.teachers: Counter[str] = Counter()
        self.prompt_versions: Counter[str] = Counter()
        self.runs: Counter[int] = Counter()
        self.reviewers: Counter[str] = Counter()
        self.diversity: dict[str, _LeafDiversity] = {}
        self.exported = 0
        self.candidates = 0

    def add(self, item: Reviewed, *, exported: bool, question: str) -> None:
        s = item.sample
        status = item.status
        self.candidates += 1
        leaf = self.per_leaf.get(s.leaf_path)
        if leaf is None:
            leaf = self.per_leaf[s.leaf_path] = {
                "kind": s.kind,
                "exported": 0,
                "statuses": dict.fromkeys(STATUSES, 0),
                "flagged": 0,
            }
        leaf["statuses"][status] = leaf["statuses"].get(status, 0) + 1
        gates = {f.gate for f in item.flags}
        if gates:
            leaf["flagged"] += 1
        for gate in gates:
            self.gates.setdefault(gate, Counter())[status] += 1
        if item.decision is not None and item.decision.reviewer:
            self.reviewers[item.decision.reviewer] += 1
        if not exported:
            return
        self.exported += 1
        leaf["exported"] += 1
        for name, group in RATE_GROUPS.items():
            if not gates.isdisjoint(group):  # a sample counts once per group, whatever gates of it fired
                self.exported_flags[name] += 1
        self.teachers[s.teacher_model] += 1
        self.prompt_versions[s.prompt_version] += 1
        self.runs[s.run_id] += 1
        div = self.diversity.get(s.leaf_path)
        if div is None:
            div = self.diversity[s.leaf_path] = _LeafDiversity(self.seed_questions.get(s.leaf_path, ()))
        div.add(question)

    def per_branch(self) -> dict[str, int]:
        """Exported samples under every folder above a leaf (compositional_skills, …/writing, …)."""
        out: Counter[str] = Counter()
        for path, leaf in self.per_leaf.items():
            parts = path.split("/")
            for i in range(1, len(parts)):
                out["/".join(parts[:i])] += leaf["exported"]
        return dict(sorted(out.items()))

    def result(self, *, agreement: Any = None) -> dict[str, Any]:
        n = self.exported
        gates_table = {
            gate: {"flagged": sum(by.values()), **{s: by.get(s, 0) for s in STATUSES}}
            for gate, by in sorted(self.gates.items(), key=lambda kv: _gate_order(kv[0]))
        }
        rates = {name: round(self.exported_flags[name] / n, 6) if n else 0.0 for name in RATE_GROUPS}
        per_leaf = {}
        for path, leaf in sorted(self.per_leaf.items()):
            div = self.diversity.get(path)
            per_leaf[path] = {**leaf, "diversity": div.result() if div else None}
        return {
            "samples": n,
            "candidates": self.candidates,
            "include_unreviewed": self.include_unreviewed,
            "size_category": size_category(n),
            "per_leaf": per_leaf,
            "per_branch": self.per_branch(),
            "gates": gates_table,
            "rates": rates,
            "teachers": dict(sorted(self.teachers.items())),
            "prompt_versions": dict(sorted(self.prompt_versions.items())),
            "runs": {str(k): v for k, v in sorted(self.runs.items())},
            "reviewers": dict(sorted(self.reviewers.items())),
            "agreement": agreement,
            "diversity_method": (
                f"lexical, on the first {DIVERSITY_SAMPLE} exported questions of each leaf: share of "
                "distinct word bigrams, and the mean over questions of the highest word Jaccard "
                "similarity to any seed question of the leaf (1.0 = a copy)"
            ),
        }
