"""Form gates on one sample: empty, truncated, refusal/boilerplate, answer repeating the question,
and answer-length outliers within a leaf."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence

from labui.review.dedup import normalise
from labui.store.review import Flag
from labui.store.samples import SampleRow
from labui.textutil import words

REFUSALS = re.compile(
    r"\b(?:as an ai(?: language)? model|as a language model|i(?:'m| am) (?:sorry|afraid),? (?:but )?i"
    r"|i (?:cannot|can't|can not|won't|am unable to|am not able to) (?:help|assist|provide|comply|answer)"
    r"(?! but)"  # "I can't help but ..." is an idiom, not a refusal
    r"|i(?:'m| am) (?:unable|not able) to (?:help|assist|provide|comply)"
    r"|i do not have (?:personal|the ability)|my (?:training|knowledge) (?:data|cutoff))",
    re.IGNORECASE,
)
OUTLIER_Z = 3.5  # robust z (median / MAD) of log answer length
OUTLIER_MIN_SAMPLES = 8


def form_flags(sample: SampleRow) -> list[Flag]:
    """empty, truncated and refusal flags of one sample, each with its reason."""
    out: list[Flag] = []
    answer = sample.answer.strip()
    if not sample.question.strip():
        out.append(Flag(sample.id, "empty", "empty question", None, None))
    if not any(ch.isalnum() for ch in answer):  # blank, or punctuation only
        out.append(
            Flag(sample.id, "empty", "empty answer" if not answer else "an answer without words", None, None)
        )
    elif normalise(answer) == normalise(sample.question) or normalise(sample.question) == normalise(
        answer[: len(sample.question) + 5]
    ):
        out.append(Flag(sample.id, "empty", "the answer repeats the question", None, None))
    if sample.finish_reason == "length":
        out.append(
            Flag(sample.id, "truncated", "cut off at the token limit (finish_reason length)", None, None)
        )
    elif answer.count("```") % 2:
        out.append(Flag(sample.id, "truncated", "an unclosed code block", None, None))
    m = REFUSALS.search(sample.answer)
    if m:
        out.append(Flag(sample.id, "refusal", f'refusal or boilerplate: "{m.group()}"', None, None))
    return out


def length_outliers(samples: Sequence[SampleRow]) -> list[Flag]:
    """Answers far longer or shorter than the rest of their leaf (robust z over log word counts)."""
    if len(samples) < OUTLIER_MIN_SAMPLES:
        return []
    logs = [math.log1p(words(s.answer)) for s in samples]
    med = statistics.median(logs)
    mad = statistics.median(abs(x - med) for x in logs) * 1.4826
    if mad < 1e-9:
        mad = 0.1  # all the same length: only a big departure counts
    median_words = round(math.expm1(med))
    out = []
    for s, x in zip(samples, logs, strict=True):
        z = (x - med) / mad
        if abs(z) > OUTLIER_Z:
            side = "longer" if z > 0 else "shorter"
            out.append(
                Flag(
                    s.id,
                    "length_outlier",
                    f"answer of {words(s.answer)} words, far {side} than this leaf's median of "
                    f"{median_words} (robust z {z:+.1f})",
                    round(z, 2),
                    None,
                )
            )
    return out
