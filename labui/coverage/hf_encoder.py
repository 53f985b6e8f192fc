"""Inference-only sentence encoder: a standard sentence-transformers folder run with transformers directly.

A sentence-transformers model folder whose modules.json is the usual stack (Transformer -> Pooling
(cls, mean or max) -> optional Normalize) is a Hugging Face encoder plus a pooling rule. Running it
with `AutoModel` + `AutoTokenizer` under `torch.inference_mode` gives the same vectors as
`SentenceTransformer.encode` without importing sentence_transformers (its trainers, datasets,
pandas, sklearn: about 140 MB and several seconds). `read_spec` says whether a folder qualifies;
anything else (a hub name, prompts, another pooling, custom code) is left to sentence-transformers.

Batches are capped by tokens as well as texts (`max_batch_tokens`): texts arrive longest first, and a
batch of long texts is the peak of memory (the attention scores grow with length squared), so long
texts go through in smaller batches. Padding is per batch, and padded positions are masked out of
both attention and pooling, so batching does not change the vectors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

POOLING_MODES = ("cls", "mean", "max")
_LEGACY_POOLING = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}
# A batch holds at most this many tokens (texts x padded length); 64 short requests fit whole.
MAX_BATCH_TOKENS = 4096


@dataclass(frozen=True, slots=True)
class Spec:
    """What the fast path needs from a model folder."""

    transformer: Path  # the folder AutoModel and AutoTokenizer load
    max_seq_length: int
    pooling: str  # one of POOLING_MODES
    dim: int


def _json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8")) if path.is_file() else None


def _pooling_mode(cfg: dict[str, Any]) -> str | None:
    if "pooling_mode" in cfg:
        mode = cfg["pooling_mode"]
        return mode if isinstance(mode, str) else None
    active = [mode for key, mode in _LEGACY_POOLING.items() if cfg.get(key)]
    return active[0] if len(active) == 1 else ("mean" if not active else None)


def read_spec(folder: str | Path) -> Spec | None:
    """The fast-path spec of a local sentence-transformers folder, or None when it is not the standard
    stack (then sentence-transformers runs it). Reads small JSON files only; never raises on odd input."""
    root = Path(folder)
    try:
        modules = _json(root / "modules.json")
        if not isinstance(modules, list) or not 2 <= len(modules) <= 3:
            return None
        kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
        if not all(str(m.get("type", "")).startswith("sentence_transformers.") for m in modules):
            return None
        if kinds[:2] != ["Transformer", "Pooling"] or kinds[2:] not in ([], ["Normalize"]):
            return None
        transformer = root / str(modules[0].get("path", ""))
        pooling_dir = root / str(modules[1].get("path", ""))
        st_cfg = _json(transformer / "sentence_bert_config.json")
        if not isinstance(st_cfg, dict) or set(st_cfg) - {"max_seq_length", "do_lower_case"}:
            return None  # tokenizer or model arguments, processing options: not the plain case
        if st_cfg.get("do_lower_case") or not isinstance(st_cfg.get("max_seq_length"), int):
            return None
        pool = _json(pooling_dir / "config.json")
        if not isinstance(pool, dict):
            return None
        mode = _pooling_mode(pool)
        extra = set(pool) - {"word_embedding_dimension", "include_prompt", "pooling_mode", *_LEGACY_POOLING}
        if mode not in POOLING_MODES or extra:
            return None
        top = _json(root / "config_sentence_transformers.json") or {}
        if not isinstance(top, dict) or top.get("prompts") or top.get("default_prompt_name"):
            return None  # prompts are prepended by sentence-transformers
        model_cfg = _json(transformer / "config.json")
        if not isinstance(model_cfg, dict) or model_cfg.get("auto_map"):
            return None  # custom modelling code
        dim = int(pool.get("word_embedding_dimension") or model_cfg.get("hidden_size") or 0)
        if dim < 1:
            return None
        return Spec(transformer, int(st_cfg["max_seq_length"]), mode, dim)
    except (OSError, ValueError, TypeError, AttributeError):
        return None


class HFEncoder:
    """The standard stack of `spec` on `device`: tokenizer, encoder, pooling, L2 normalisation."""

    def __init__(self, spec: Spec, device: str, max_batch_tokens: int = MAX_BATCH_TOKENS) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.spec = spec
        self.device = device
        self.max_batch_tokens = max_batch_tokens
        self.tokenizer: Any = AutoTokenizer.from_pretrained(str(spec.transformer))
        self.model: Any = AutoModel.from_pretrained(str(spec.transformer), dtype=torch.float32)
        self.model.to(device).eval()

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Normalised float32 vectors of `texts` (best given longest first), in input order."""
        out = np.empty((len(texts), self.spec.dim), dtype=np.float32)
        if not texts:
            return out
        enc = self.tokenizer(list(texts), truncation="longest_first", max_length=self.spec.max_seq_length)
        ids = enc["input_ids"]
        start = 0
        while start < len(ids):
            # Grow the batch while texts x longest length stays under the token cap (at least one text).
            end, longest = start, 0
            while end < len(ids) and end - start < batch_size:
                longest = max(longest, len(ids[end]))
                if end > start and (end - start + 1) * longest > self.max_batch_tokens:
                    break
                end += 1
            out[start:end] = self._batch({k: v[start:end] for k, v in enc.items()})
            start = end
        return out

    def _batch(self, features: dict[str, list[list[int]]]) -> np.ndarray:
        import torch

        feats = self.tokenizer.pad(features, padding=True, return_tensors="pt")
        feats = {k: v.to(self.device) for k, v in feats.items()}
        with torch.inference_mode():
            hidden = self.model(**feats).last_hidden_state
            mask = feats["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            if self.spec.pooling == "cls":
                pooled = hidden[:, 0]
            elif self.spec.pooling == "max":
                pooled = hidden.masked_fill(mask == 0, float("-inf")).max(dim=1).values
            else:
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=1)
        return pooled.cpu().numpy()
