"""The dataset card (README.md) of an export: a Hugging Face YAML header, then the quality figures.

The card is the only file of an export that carries a date. Leaf paths, teacher and reviewer names
are user text: table cells are escaped so they stay text on any markdown renderer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from labui.editing import Attribution
from labui.export.figures import RATE_GROUPS
from labui.textutil import plural

# Licence names as attribution.txt writers spell them -> Hugging Face licence ids.
_LICENSES = {
    "apache-2.0": "apache-2.0",
    "apache 2.0": "apache-2.0",
    "apache license 2.0": "apache-2.0",
    "mit": "mit",
    "cc-by-4.0": "cc-by-4.0",
    "cc by 4.0": "cc-by-4.0",
    "cc-by-sa-4.0": "cc-by-sa-4.0",
    "cc by-sa 4.0": "cc-by-sa-4.0",
    "cc-by-sa-3.0": "cc-by-sa-3.0",
    "cc0-1.0": "cc0-1.0",
    "cc0": "cc0-1.0",
    "bsd-3-clause": "bsd-3-clause",
    "gpl-3.0": "gpl-3.0",
}


def leaf_license(attribution: str | None) -> str:
    """The licence of a leaf's source as written in its attribution.txt ('' when none is given)."""
    if not attribution:
        return ""
    value = Attribution.parse(attribution).license.strip()
    return "" if value.upper().startswith("TODO") else value


def hf_licenses(licenses: Mapping[str, str]) -> list[str]:
    """Hugging Face licence ids for the exported leaves' licences ('other' for names it has no id for)."""
    ids = {(_LICENSES.get(v.lower().strip(), "other") if v else "unknown") for v in licenses.values()}
    return sorted(ids) or ["unknown"]


def _cell(value: object) -> str:
    """A table cell that stays text: no pipes, line breaks, HTML or markup from user content."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "`*_[]#":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def header(figures: Mapping[str, Any], licenses: Mapping[str, str], files: Sequence[str]) -> dict[str, Any]:
    """The card's YAML header (Hugging Face dataset card metadata)."""
    ids = hf_licenses(licenses)
    data_files = [f for f in ("train.parquet", "train.jsonl") if f in files]
    configs = [{"config_name": "default", "data_files": [{"split": "train", "path": data_files[0]}]}]
    if len(data_files) > 1:
        configs.append({"config_name": "jsonl", "data_files": [{"split": "train", "path": data_files[1]}]})
    out: dict[str, Any] = {
        "license": ids[0] if len(ids) == 1 else ids,
        "language": ["en"],
        "task_categories": ["text-generation"],
        "tags": ["synthetic", "instructlab", "lab", "labui"],
        "annotations_creators": ["machine-generated", "expert-generated"],
        "size_categories": [figures["size_category"]],
        "configs": configs,
    }
    if "other" in ids:
        names = sorted({v for v in licenses.values() if v and v.lower().strip() not in _LICENSES})
        out["license_name"] = "; ".join(names)
    return out


def render_card(
    figures: Mapping[str, Any],
    *,
    title: str,
    licenses: Mapping[str, str],
    files: Sequence[str],
    date: str,
    system_prompt: str,
    plot: str | None,
) -> str:
    """The whole README.md."""
    head = yaml.safe_dump(header(figures, licenses, files), sort_keys=False, allow_unicode=True)
    n = figures["samples"]
    parts = [f"---\n{head}---\n", f"# {_cell(title)}\n"]
    scope = "accepted or edited by reviewers" + (
        ", **and samples nobody has reviewed yet** (exported with `--include-unreviewed`)"
        if figures["include_unreviewed"]
        else ""
    )
    parts.append(
        f"Synthetic LAB-style training data exported by labui on {date}: {plural(n, 'sample')}, {scope}; "
        f"out of {plural(figures['candidates'], 'generated sample')} in the selection. "
        "Rejected samples are never exported.\n"
    )
    parts.append(
        "## Files\n\n"
        + "\n".join(f"- `{f}`" for f in files)
        + "\n\nEach row is `{id, messages: [system, user, assistant], metadata, unmask}` as instructlab-sdg "
        "writes it; a grounded skill's or knowledge sample's context precedes the question in the user "
        "turn, and knowledge rows have `unmask: true`. `metadata` (a JSON string in JSONL, a struct in "
        "parquet) holds the provenance: leaf path, kind, run, teacher model, prompt version, seed ids, "
        "gates passed, flagged and overridden, review status, reviewer, decision time, whether the sample "
        "was edited and the sha256 of the original. System prompt:\n\n"
        + "\n".join(f"    {line}" for line in system_prompt.splitlines() or [""])
        + "\n"
    )
    leaf_rows = [
        [
            path,
            leaf["kind"],
            leaf["exported"],
            leaf["statuses"]["accepted"],
            leaf["statuses"]["edited"],
            leaf["statuses"]["new"],
            leaf["statuses"]["rejected"],
            leaf["flagged"],
            licenses.get(path, "") or "not given",
        ]
        for path, leaf in figures["per_leaf"].items()
    ]
    parts.append(
        "## Samples per leaf\n\n"
        + (f"![Samples per leaf]({plot})\n\n" if plot else "")
        + _table(
            [
                "leaf",
                "kind",
                "exported",
                "accepted",
                "edited",
                "unreviewed",
                "rejected",
                "flagged",
                "licence",
            ],
            leaf_rows,
        )
        + "\n"
    )
    parts.append(
        "## Samples per branch\n\n"
        + _table(["branch", "exported"], list(figures["per_branch"].items()))
        + "\n"
    )
    gate_rows = [
        [g, v["flagged"], v["accepted"], v["edited"], v["rejected"], v["new"]]
        for g, v in figures["gates"].items()
    ]
    parts.append(
        "## Quality gates and review decisions\n\nWhat each gate flagged in the selection, and what "
        "reviewers decided about the flagged samples.\n\n"
        + (
            _table(["gate", "flagged", "accepted", "edited", "rejected", "unreviewed"], gate_rows)
            if gate_rows
            else "No gate flagged any sample (or the gates were not run)."
        )
        + "\n"
    )
    labels = {
        "duplicate": "duplicate (exact, near or semantic)",
        "seed_copy": "copy of a seed example",
        "pii": "personal data (PII)",
        "real_data_closeness": "close to real data",
    }
    rate_rows = [[labels.get(k, k), _pct(figures["rates"][k])] for k in RATE_GROUPS]
    parts.append(
        "## Rates in the export\n\nShare of exported samples a gate had flagged (a reviewer kept them).\n\n"
        + _table(["flag", "rate"], rate_rows)
        + "\n"
    )
    div_rows = []
    emb_rows = []
    for path, leaf in figures["per_leaf"].items():
        d = leaf["diversity"]
        if d:
            div_rows.append([path, d["sampled"], d["distinct_bigrams"], d["mean_max_seed_jaccard"]])
        for e in leaf.get("embedding_diversity", []):
            emb_rows.append(
                [
                    path,
                    e["run_id"],
                    e["n"],
                    _num(e["vendi_per_n"]),
                    _num(e["seed_vendi_per_n"]),
                    _num(e["mean_distance"]),
                    e["warning"],
                ]
            )
    parts.append(
        "## Diversity per leaf\n\n"
        + (
            "As measured by the review stage (sentence embeddings; Vendi score per sample, 1.0 = all "
            "different), against the leaf's seeds:\n\n"
            + _table(
                ["leaf", "run", "samples", "vendi/n", "seeds' vendi/n", "mean distance", "warning"], emb_rows
            )
            + "\n\n"
            if emb_rows
            else ""
        )
        + f"Lexical, computed at export: {figures['diversity_method']}.\n\n"
        + _table(["leaf", "questions sampled", "distinct bigrams", "closeness to seeds"], div_rows)
        + "\n"
    )
    parts.append(
        "## Teachers and prompt versions\n\n"
        + _table(["teacher model", "samples"], list(figures["teachers"].items()))
        + "\n\n"
        + _table(["prompt version", "samples"], list(figures["prompt_versions"].items()))
        + "\n\n"
        + _table(["run", "samples"], list(figures["runs"].items()))
        + "\n"
    )
    reviewers = list(figures["reviewers"].items())
    pairs = [
        [a["leaf"], " and ".join(a["reviewers"]), a["samples"], _num(a["kappa"]), a["disagreements"]]
        for a in figures.get("agreement") or []
    ]
    parts.append(
        "## Reviewers and agreement\n\n"
        + (_table(["reviewer", "decisions"], reviewers) if reviewers else "No reviewer decisions recorded.")
        + "\n\n"
        + (
            "Agreement (Cohen's kappa over the samples both reviewers decided):\n\n"
            + _table(["leaf", "reviewers", "samples", "kappa", "disagreements"], pairs)
            if pairs
            else "Agreement: not measured (no sample was decided by two reviewers)."
        )
        + "\n"
    )
    return "\n".join(parts)
