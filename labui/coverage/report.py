"""The coverage report: its dataclasses, their JSON, and the plain-text summary the CLI prints.

Leaves, branches, items, clusters and overlaps, each with `to_json`. The items are an `ItemTable`:
a few numbers per row held in arrays, an `Item` made only when one is asked for, so a report of
100,000 rows costs megabytes, and `write_json` streams them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO, overload

import numpy as np


@dataclass(slots=True)
class LeafOverlap:
    a: str
    b: str
    centroid_similarity: float
    duplicate_seeds: int  # seed pairs (one from each leaf) at or above overlaps.DUPLICATE_SEED
    example: tuple[str, str, float] | None  # the most similar seed pair

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "centroid_similarity": round(self.centroid_similarity, 4),
            "duplicate_seeds": self.duplicate_seeds,
            "example": list(self.example) if self.example else None,
        }


@dataclass(slots=True)
class LeafMetrics:
    path: str
    kind: str
    seed_count: int
    diversity: float  # mean pairwise cosine distance of the seed questions (0 with fewer than 2)
    effective_seeds: float
    thinness: float
    demand: int  # covered items whose best leaf this is
    mean_similarity: float | None  # over those items
    gap: float
    overlaps: list[str] = field(default_factory=list)
    examples: int = 0  # texts beyond the seeds that scored items against it (reviewed samples' questions)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "seed_count": self.seed_count,
            "diversity": round(self.diversity, 4),
            "effective_seeds": round(self.effective_seeds, 3),
            "thinness": round(self.thinness, 4),
            "demand": self.demand,
            "mean_similarity": None if self.mean_similarity is None else round(self.mean_similarity, 4),
            "gap": round(self.gap, 4),
            "overlaps": self.overlaps,
            "examples": self.examples,
        }


@dataclass(slots=True)
class BranchMetrics:
    path: str
    leaves: int
    seed_count: int
    diversity: float
    demand: int
    gap: float  # mean of its leaves' gaps weighted by demand + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "leaves": self.leaves,
            "seed_count": self.seed_count,
            "diversity": round(self.diversity, 4),
            "demand": self.demand,
            "gap": round(self.gap, 4),
        }


@dataclass(slots=True)
class Item:
    index: int
    text: str | None  # None where the analysis kept no texts (the CLI streams its rows)
    leaf: str
    top: list[str]
    top_similarity: list[float]
    similarity: float
    covered: bool
    cluster: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "leaf": self.leaf,
            "top": self.top,
            "similarity": round(self.similarity, 4),
            "covered": self.covered,
        }


class ItemTable(Sequence[Item]):
    """Every item's best leaves, similarities, coverage and cluster as arrays; `Item`s on demand."""

    def __init__(
        self,
        leaves: Sequence[str],
        top: np.ndarray,
        similarity: np.ndarray,
        covered: np.ndarray,
        cluster: np.ndarray,
        texts: Sequence[str] | None = None,
    ) -> None:
        self.leaves, self.top, self.similarity = leaves, top, similarity
        self.covered, self.cluster, self.texts = covered, cluster, texts

    def __len__(self) -> int:
        return len(self.covered)

    @overload
    def __getitem__(self, i: int) -> Item: ...

    @overload
    def __getitem__(self, i: slice) -> list[Item]: ...

    def __getitem__(self, i: int | slice) -> Item | list[Item]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i = i % len(self)
        cl = int(self.cluster[i])
        return Item(
            index=i,
            text=None if self.texts is None else self.texts[i],
            leaf=self.leaves[int(self.top[i, 0])],
            top=[self.leaves[int(j)] for j in self.top[i]],
            top_similarity=[float(s) for s in self.similarity[i]],
            similarity=float(self.similarity[i, 0]),
            covered=bool(self.covered[i]),
            cluster=None if cl < 0 else cl,
        )

    def covered_count(self) -> int:
        return int(np.count_nonzero(self.covered))

    def json_rows(self) -> Iterator[dict[str, Any]]:
        """Each item's `Item.to_json()`, straight from the arrays."""
        for i in range(len(self)):
            yield {
                "index": i,
                "leaf": self.leaves[int(self.top[i, 0])],
                "top": [self.leaves[int(j)] for j in self.top[i]],
                "similarity": round(float(self.similarity[i, 0]), 4),
                "covered": bool(self.covered[i]),
            }


@dataclass(slots=True)
class Cluster:
    id: int
    size: int
    items: list[int]  # item indices
    examples: list[str]  # closest to the centroid first
    key_terms: list[str]
    nearest_leaf: str
    nearest_branch: str
    similarity: float  # of the centroid to the nearest leaf
    suggested_path: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "examples": self.examples,
            "key_terms": self.key_terms,
            "nearest_leaf": self.nearest_leaf,
            "nearest_branch": self.nearest_branch,
            "similarity": round(self.similarity, 4),
            "suggested_path": self.suggested_path,
            "items": self.items,
        }


@dataclass(slots=True)
class CoverageReport:
    model: str
    device: str
    representation: str
    threshold: float
    leaves: list[LeafMetrics]
    branches: list[BranchMetrics]
    items: Sequence[Item]
    clusters: list[Cluster]
    overlaps: list[LeafOverlap]
    # None: the clusters are of every uncovered item. Otherwise how many uncovered items they were
    # drawn from: a uniform random sample (the analysis' sample cap), and cluster sizes count it.
    cluster_sample: int | None = None

    @property
    def covered(self) -> int:
        if isinstance(self.items, ItemTable):
            return self.items.covered_count()
        return sum(it.covered for it in self.items)

    def leaf(self, path: str) -> LeafMetrics | None:
        return next((m for m in self.leaves if m.path == path), None)

    def _json_parts(self) -> dict[str, Any]:
        """The JSON document with `items` left as an iterator of rows (see `write_json`)."""
        rows = (
            self.items.json_rows()
            if isinstance(self.items, ItemTable)
            else (it.to_json() for it in self.items)
        )
        doc: dict[str, Any] = {
            "model": self.model,
            "device": self.device,
            "representation": self.representation,
            "threshold": self.threshold,
            "leaves": [m.to_json() for m in self.leaves],
            "branches": [b.to_json() for b in self.branches],
            "items": rows,
            "clusters": [c.to_json() for c in self.clusters],
            "overlaps": [o.to_json() for o in self.overlaps],
        }
        if self.cluster_sample is not None:
            doc["cluster_sample"] = self.cluster_sample
        return doc

    def to_json(self) -> dict[str, Any]:
        doc = self._json_parts()
        doc["items"] = list(doc["items"])
        return doc


def write_json(report: CoverageReport, out: TextIO, indent: int = 2) -> None:
    """`json.dump(report.to_json(), out, indent=indent, ensure_ascii=False)`, the same text, but the
    items written one at a time, so memory does not grow with them."""

    def dumps(value: Any, level: int) -> str:
        text = json.dumps(value, indent=indent, ensure_ascii=False)
        return text.replace("\n", "\n" + " " * (indent * level))

    pad, pad2 = " " * indent, " " * (2 * indent)
    parts = report._json_parts()
    out.write("{")
    for n, (key, value) in enumerate(parts.items()):
        out.write(("," if n else "") + f"\n{pad}{json.dumps(key)}: ")
        if key != "items":
            out.write(dumps(value, 1))
            continue
        first = True
        for row in value:
            out.write(("[" if first else ",") + f"\n{pad2}" + dumps(row, 2))
            first = False
        out.write("[]" if first else f"\n{pad}]")
    out.write("\n}")


def _short(text: str, width: int = 90) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def format_text(report: CoverageReport, top: int = 15) -> str:
    lines = [f"encoder {report.model} on {report.device}; representation {report.representation}"]
    examples = sum(m.examples for m in report.leaves)
    if examples:
        leaves = sum(1 for m in report.leaves if m.examples)
        lines.append(f"{examples} generated samples of {leaves} leaves count as examples beyond the seeds")
    n = len(report.items)
    if n:
        lines.append(
            f"{report.covered} of {n} items covered ({report.covered / n:.0%}) at threshold {report.threshold:.2f}; "
            f"{n - report.covered} uncovered in {len(report.clusters)} clusters"
        )
        if report.cluster_sample is not None:
            lines.append(
                f"(clusters drawn from a random sample of {report.cluster_sample} of the "
                f"{n - report.covered} uncovered items; cluster sizes count the sample)"
            )
    lines += ["", f"Leaves with the largest gap (of {len(report.leaves)}):"]
    lines.append(f"  {'gap':>5} {'seeds':>5} {'div':>5} {'demand':>6}  leaf")
    for m in sorted(report.leaves, key=lambda m: (-m.gap, m.path))[:top]:
        lines.append(f"  {m.gap:5.2f} {m.seed_count:5d} {m.diversity:5.2f} {m.demand:6d}  {m.path}")
    if report.overlaps:
        lines += ["", f"Overlapping leaves ({len(report.overlaps)} pairs):"]
        for o in report.overlaps[:top]:
            lines.append(
                f"  centroid {o.centroid_similarity:.2f}, {o.duplicate_seeds} near-duplicate seeds: {o.a} <> {o.b}"
            )
    if report.clusters:
        lines += ["", "Uncovered clusters:"]
        for c in report.clusters:
            lines.append(
                f"  #{c.id} {c.size} items [{', '.join(c.key_terms)}] -> new leaf {c.suggested_path} "
                f"(nearest {c.nearest_leaf}, {c.similarity:.2f})"
            )
            for ex in c.examples[:3]:
                lines.append(f"      - {_short(ex)}")
    return "\n".join(lines) + "\n"
