"""Turning a teacher's reply into fields: JSON first (what structured output gives), tolerant tags second.

Small teachers wrap JSON in code fences, add chatter around it, or ignore the format and write
`Question: ... Answer: ...`; all of those parse. Anything else is a `ParseFailure` with a reason,
and the caller keeps the raw text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParseFailure(Exception):
    reason: str  # empty_reply | empty_fields | parse_error
    detail: str


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S | re.I)


def schema_for(fields: Sequence[str], *, score: bool = False) -> dict[str, object]:
    """The JSON schema of a reply with these string fields (a judge reply has an integer score)."""
    props: dict[str, object] = {name: {"type": "string", "minLength": 1} for name in fields}
    if score:
        props = {"score": {"type": "integer", "minimum": 1, "maximum": 3}, "why": {"type": "string"}}
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


def _json_objects(text: str) -> list[Mapping[str, object]]:
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    found: list[Mapping[str, object]] = []
    for cand in candidates:
        cand = cand.strip()
        start = cand.find("{")
        while start != -1:
            try:
                obj, _ = json.JSONDecoder().raw_decode(cand, start)
            except ValueError:
                start = cand.find("{", start + 1)
                continue
            if isinstance(obj, dict):
                found.append(obj)
            break
    return found


def _tags(text: str, fields: Sequence[str]) -> dict[str, str]:
    # `Question: ...`, `**Question**: ...`, `[QUESTION] ...`, `### Answer` each start a field that runs
    # to the next tag.
    names = "|".join(re.escape(f) for f in fields)
    tag = re.compile(rf"^[ \t>#*\[]*({names})[ \t]*(?:[\]*:]+|(?=\n))[ \t]*", re.I | re.M)
    marks = list(tag.finditer(text))
    out: dict[str, str] = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        key = m.group(1).lower()
        value = text[m.end() : end].strip().strip('"').strip()
        if value and key not in out:
            out[key] = value
    return out


def parse_reply(text: str | None, fields: Sequence[str], *, score: bool = False) -> dict[str, object]:
    """The fields of a reply; a judge reply (`score=True`) gives {"score": 1..3, "why": str}."""
    if text is None or not text.strip():
        raise ParseFailure("empty_reply", "the teacher replied with nothing")
    want = ("score",) if score else tuple(fields)
    for obj in _json_objects(text):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        if score:
            value = lowered.get("score")
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())
            if isinstance(value, int | float) and 1 <= value <= 3:
                return {"score": int(value), "why": str(lowered.get("why") or "")}
            continue
        values = {f: lowered.get(f) for f in want}
        if all(isinstance(v, str) and v.strip() for v in values.values()):
            return {f: str(v).strip() for f, v in values.items()}
        if all(f in lowered for f in want):
            raise ParseFailure("empty_fields", f"valid JSON but {', '.join(want)} empty")
    if score:
        m = re.search(r"score\W{0,3}([123])\b", text, re.I)
        if m:
            return {"score": int(m.group(1)), "why": text.strip()[:200]}
        raise ParseFailure("parse_error", "no score 1-3 found in the reply")
    tagged = _tags(text, want)
    if all(tagged.get(f) for f in want):
        return {f: tagged[f] for f in want}
    if want == ("answer",) and not text.lstrip().startswith(("{", "[", "<")):
        # Only an answer asked for and no structure at all: the whole reply is the answer.
        return {want[0]: text.strip()}
    raise ParseFailure("parse_error", f"could not find {', '.join(want)} in the reply")
