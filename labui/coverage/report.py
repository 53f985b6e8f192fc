"""The coverage report: its dataclasses, their JSON, and the plain-text summary the CLI prints.

Leaves, branches, items, clusters and overlaps, each with `to_json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    text: str
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
    items: list[Item]
    clusters: list[Cluster]
    overlaps: list[LeafOverlap]

    @property
    def covered(self) -> int:
        return sum(it.covered for it in self.items)

    def leaf(self, path: str) -> LeafMetrics | None:
        return next((m for m in self.leaves if m.path == path), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "device": self.device,
            "representation": self.representation,
            "threshold": self.threshold,
            "leaves": [m.to_json() for m in self.leaves],
            "branches": [b.to_json() for b in self.branches],
            "items": [it.to_json() for it in self.items],
            "clusters": [c.to_json() for c in self.clusters],
            "overlaps": [o.to_json() for o in self.overlaps],
        }


def _short(text: str, width: int = 90) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def format_text(report: CoverageReport, top: int = 15) -> str:
    lines = [f"encoder {report.model} on {report.device}; representation {report.representation}"]
    n = len(report.items)
    if n:
        lines.append(
            f"{report.covered} of {n} items covered ({report.covered / n:.0%}) at threshold {report.threshold:.2f}; "
            f"{n - report.covered} uncovered in {len(report.clusters)} clusters"
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
