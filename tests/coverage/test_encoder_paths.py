"""The two encoder paths: transformers directly for a standard sentence-transformers folder, and
sentence-transformers itself for anything else. Real model, real text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from labui.coverage.embed import SentenceTransformerEmbedder, pick_device, resolve_model
from labui.coverage.hf_encoder import read_spec
from labui.coverage.index import describe_text, seed_texts
from labui.coverage.realdata import load_files
from labui.taxonomy import load_taxonomy
from tests.coverage.support import real_encoder

MODEL = Path(resolve_model("all-MiniLM-L6-v2"))


@pytest.fixture(scope="module")
def real_texts(real_taxonomy: Path, seed_tasks: Path) -> list[str]:
    """Leaf descriptions, seed questions, task instructions and their inputs (some past 256 tokens)."""
    tx = load_taxonomy(real_taxonomy)
    texts = [describe_text(leaf) for leaf in tx.leaves] + [t for leaf in tx.leaves for t in seed_texts(leaf)]
    texts += load_files([seed_tasks], ["instruction"]).texts
    texts += [t for t in load_files([seed_tasks], ["instances.output"]).texts if t]
    return texts[:600] + sorted(texts, key=len)[-40:]  # a slice of each kind, and the longest


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_fast_path_equals_sentence_transformers_on_real_text(real_texts: list[str], st_model: Any) -> None:
    fast = real_encoder()
    assert fast.backend == "transformers"
    assert fast.dim == st_model.get_embedding_dimension() == 384
    ours = fast.encode(real_texts)
    theirs = st_model.encode(real_texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert _cosines(ours, theirs).min() > 0.9999


def test_fallback_loads_sentence_transformers_and_agrees(real_texts: list[str]) -> None:
    slow = SentenceTransformerEmbedder(fast=False)
    assert slow.backend == "sentence-transformers" and slow.fast is None
    assert slow.device == pick_device("auto") == real_encoder().device
    texts = real_texts[::10]
    assert _cosines(slow.encode(texts), real_encoder().encode(texts)).min() > 0.9999


def _copy_model(dest: Path, pooling: dict[str, Any] | None = None, top: dict[str, Any] | None = None) -> Path:
    """The bundled model folder, its big files linked, with its pooling or top config replaced."""
    for src in MODEL.rglob("*"):
        if src.is_file():
            out = dest / src.relative_to(MODEL)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.symlink_to(src)
    if pooling is not None:
        (dest / "1_Pooling" / "config.json").unlink()
        (dest / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    if top is not None:
        (dest / "config_sentence_transformers.json").unlink()
        (dest / "config_sentence_transformers.json").write_text(json.dumps(top))
    return dest


def test_spec_of_the_bundled_model_and_of_other_folders(tmp_path: Path) -> None:
    spec = read_spec(MODEL)
    assert spec is not None and (spec.pooling, spec.dim, spec.max_seq_length) == ("mean", 384, 256)
    assert read_spec("sentence-transformers/all-MiniLM-L6-v2") is None  # a hub name: not a folder
    legacy = {"word_embedding_dimension": 384, "pooling_mode_mean_tokens": False}
    cls = read_spec(_copy_model(tmp_path / "cls", {**legacy, "pooling_mode_cls_token": True}))
    assert cls is not None and cls.pooling == "cls"
    new_style = read_spec(
        _copy_model(tmp_path / "max", {"word_embedding_dimension": 384, "pooling_mode": "max"})
    )
    assert new_style is not None and new_style.pooling == "max"
    sqrt = {**legacy, "pooling_mode_mean_sqrt_len_tokens": True}
    assert read_spec(_copy_model(tmp_path / "sqrt", sqrt)) is None
    prompts = {"prompts": {"query": "query: "}, "default_prompt_name": "query"}
    assert read_spec(_copy_model(tmp_path / "prompts", top=prompts)) is None


@pytest.mark.parametrize("pooling", ["cls", "max"])
def test_other_poolings_equal_sentence_transformers(
    tmp_path: Path, real_texts: list[str], pooling: str
) -> None:
    folder = _copy_model(tmp_path / pooling, {"word_embedding_dimension": 384, "pooling_mode": pooling})
    fast = SentenceTransformerEmbedder(str(folder), device="cpu")
    slow = SentenceTransformerEmbedder(str(folder), device="cpu", fast=False)
    assert (fast.backend, slow.backend) == ("transformers", "sentence-transformers")
    texts = real_texts[::20]
    assert _cosines(fast.encode(texts), slow.encode(texts)).min() > 0.9999


def test_a_non_standard_folder_falls_back(tmp_path: Path, real_texts: list[str]) -> None:
    sqrt = {"word_embedding_dimension": 384, "pooling_mode_mean_sqrt_len_tokens": True}
    enc = SentenceTransformerEmbedder(str(_copy_model(tmp_path / "sqrt", sqrt)), device="cpu")
    assert enc.backend == "sentence-transformers"
    vecs = enc.encode(real_texts[:20])
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_token_cap_splits_batches_without_changing_vectors(real_texts: list[str]) -> None:
    enc = real_encoder()
    assert enc.fast is not None
    texts = sorted(real_texts, key=len, reverse=True)[:48]
    whole = enc.fast.encode(texts, batch_size=64)
    old = enc.fast.max_batch_tokens
    enc.fast.max_batch_tokens = 300  # long texts one by one, short ones a few at a time
    try:
        split = enc.fast.encode(texts, batch_size=64)
    finally:
        enc.fast.max_batch_tokens = old
    assert _cosines(whole, split).min() > 0.99999


def test_fast_path_never_imports_sentence_transformers() -> None:
    code = (
        "import sys; from labui.coverage.embed import SentenceTransformerEmbedder as E; e = E(); "
        "v = e.encode(['Write a haiku about the sea.']); "
        "print(e.backend, v.shape[1], 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["transformers", "384", "False"]


def test_heap_bound_applies_here() -> None:
    from labui.coverage.embed import bound_heap

    assert bound_heap() is (sys.platform == "linux")  # glibc here; elsewhere a no-op that says so
