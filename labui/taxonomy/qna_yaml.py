"""Writing `qna.yaml`: a stable, lint-clean layout that reads back to exactly the same contents.

PyYAML's dumper folds long lines, picks quoting styles by heuristics and does not indent sequences,
so a file it writes is neither stable nor clean under InstructLab's yamllint rules. This emitter is
small because the data is: mappings, sequences and scalars. Its layout:

- 2-space indentation, sequences indented under their key (`seed_examples:` then `  - question:`);
- key order as given (an existing leaf keeps its own), `canonical_order` for new leaves;
- multi-line text as `|` literal block scalars (with `|-` when there is no final newline);
- single-line text plain when that reads back unchanged, else single-quoted, else double-quoted
  with escapes. Text a block scalar cannot hold cleanly (trailing spaces, a first line starting
  with a space, runs of blank lines yamllint would flag, control characters) is double-quoted.

`dumps` checks its own output: it parses the text back and raises if the contents differ, so a
bug here can never write a file that silently means something else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

INDENT = "  "
TOP_KEYS = (
    "version",
    "created_by",
    "domain",
    "task_description",
    "document_outline",
    "seed_examples",
    "document",
)
SEED_KEYS = ("context", "question", "answer", "questions_and_answers")
QNA_KEYS = ("question", "answer")
DOCUMENT_KEYS = ("repo", "commit", "patterns")

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Characters YAML cannot hold raw (outside its printable set) or reads as line breaks (NEL, LS, PS),
# and the byte-order mark, which a reader may drop.
_UNSAFE_RAW = re.compile(
    "[^\x09\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_PLAIN_OK = re.compile(r"^[A-Za-z0-9_(\u00a0-\ufffd][^\x00-\x1f\x7f]*$")
_PLAIN_BAD = re.compile(r": |:$| #|\t")
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\x00": "\\0",
    "\x07": "\\a",
    "\x08": "\\b",
    "\x0b": "\\v",
    "\x0c": "\\f",
    "\x1b": "\\e",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}


class DumpError(ValueError):
    """The emitter produced text that does not read back as the contents it was given (a labui bug)."""


# --------------------------------------------------------------------------------------------------
# Reading.


def loads(text: str) -> Any:
    """Parse YAML text with the same (safe) loader the validator uses."""
    return yaml.load(text, Loader=_Loader)


# --------------------------------------------------------------------------------------------------
# Key order.


def _ordered(mapping: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    known = [k for k in order if k in mapping]
    rest = [k for k in mapping if k not in order]
    return {k: mapping[k] for k in [*known, *rest]}


def canonical_order(contents: Mapping[str, Any]) -> dict[str, Any]:
    """The layout for new leaves: version, created_by, domain/task_description, outline, seeds, document."""
    out = _ordered(contents, TOP_KEYS)
    seeds = out.get("seed_examples")
    if isinstance(seeds, list):
        out["seed_examples"] = [canonical_seed(s) if isinstance(s, Mapping) else s for s in seeds]
    doc = out.get("document")
    if isinstance(doc, Mapping):
        out["document"] = _ordered(doc, DOCUMENT_KEYS)
    return out


def canonical_seed(seed: Mapping[str, Any]) -> dict[str, Any]:
    out = _ordered(seed, SEED_KEYS)
    qnas = out.get("questions_and_answers")
    if isinstance(qnas, list):
        out["questions_and_answers"] = [_ordered(q, QNA_KEYS) if isinstance(q, Mapping) else q for q in qnas]
    return out


# --------------------------------------------------------------------------------------------------
# Scalars.


def _reads_back(fragment: str, value: Any) -> bool:
    try:
        return bool(loads(f"k: {fragment}\n") == {"k": value})
    except yaml.YAMLError:
        return False


def _plain_ok(text: str) -> bool:
    if not text or text != text.strip() or not _PLAIN_OK.match(text) or _PLAIN_BAD.search(text):
        return False
    if _UNSAFE_RAW.search(text) or "\n" in text:
        return False
    # The resolver decides the rest (true, null, 1e3, 2024-07-01, ...): plain only if it stays a string.
    return _reads_back(text, text)


def _single_quoted(text: str) -> str | None:
    if "\n" in text or _UNSAFE_RAW.search(text) or "\t" in text:
        return None
    return "'" + text.replace("'", "''") + "'"


def double_quoted(text: str) -> str:
    out = []
    for ch in text:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif _UNSAFE_RAW.match(ch):
            code = ord(ch)
            out.append(
                f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
            )
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _block_ok(text: str) -> bool:
    """Whether a literal block scalar holds `text` exactly and passes yamllint strict."""
    if "\n" not in text or _UNSAFE_RAW.search(text) or "\r" in text:
        return False
    if text.endswith("\n\n") or "\n\n\n\n" in text:  # blank-line runs yamllint reports (empty-lines)
        return False
    lines = text.split("\n")
    if text.endswith("\n"):
        lines = lines[:-1]
    first = next((ln for ln in lines if ln), "")
    if first[:1] in (" ", "\t") or first == "":
        return False  # the indentation of the block would be read from it
    return all(ln == ln.rstrip(" \t") and not ln.startswith("\t") for ln in lines)


def scalar(value: Any) -> str:
    """A one-line YAML scalar for a key or a non-block value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        return text if _reads_back(text, value) else yaml.safe_dump(value).split("\n", 1)[0]
    if isinstance(value, str):
        if _plain_ok(value):
            return value
        quoted = _single_quoted(value)
        return quoted if quoted is not None else double_quoted(value)
    # Dates and other tagged scalars: let PyYAML spell them, one line.
    dumped = yaml.safe_dump(value, default_flow_style=True, width=math.inf).strip()
    return dumped.removesuffix("\n...").strip()


def _block(text: str, indent: str) -> list[str]:
    chomp = "" if text.endswith("\n") else "-"
    body = text[:-1] if text.endswith("\n") else text
    return [f"|{chomp}", *[f"{indent}{ln}" if ln else "" for ln in body.split("\n")]]


# --------------------------------------------------------------------------------------------------
# Nodes.


def _value_lines(value: Any, indent: str) -> tuple[str, list[str]]:
    """How `value` continues a `key:` or `- ` at `indent`: (rest of the line, following lines)."""
    if isinstance(value, Mapping):
        if not value:
            return " {}", []
        return "", _mapping_lines(value, indent + INDENT)
    if isinstance(value, list | tuple):
        if not value:
            return " []", []
        return "", _sequence_lines(value, indent + INDENT)
    if isinstance(value, str) and _block_ok(value):
        head, *body = _block(value, indent + INDENT)
        return " " + head, body
    return " " + scalar(value), []


def _mapping_lines(mapping: Mapping[Any, Any], indent: str) -> list[str]:
    lines = []
    for key, value in mapping.items():
        rest, more = _value_lines(value, indent)
        lines.append(f"{indent}{scalar(key)}:{rest}")
        lines.extend(more)
    return lines


def _sequence_lines(items: Sequence[Any], indent: str) -> list[str]:
    lines = []
    for item in items:
        if isinstance(item, Mapping) and item:
            # The first key shares the dash's line; the others line up under it.
            inner = _mapping_lines(item, indent + INDENT)
            lines.append(f"{indent}- {inner[0].lstrip(' ')}")
            lines.extend(inner[1:])
        elif isinstance(item, list | tuple) and item:
            inner = _sequence_lines(item, indent + INDENT)
            lines.append(f"{indent}- {inner[0].lstrip(' ')}")
            lines.extend(inner[1:])
        else:
            rest, more = _value_lines(item, indent)
            lines.append(f"{indent}-{rest}")
            lines.extend(more)
    return lines


def dumps(contents: Mapping[str, Any], *, document_start: bool = False) -> str:
    """The text of a `qna.yaml` holding `contents`, keys in the order given. Raises DumpError if the
    text would not read back identically (never expected; a guard against emitter bugs)."""
    lines = ["---"] if document_start else []
    lines += _mapping_lines(contents, "") if contents else ["{}"]
    text = "\n".join(lines) + "\n"
    if loads(text) != _plain(contents):
        raise DumpError("the YAML written would not read back as the same contents")
    return text


def _plain(value: Any) -> Any:
    """Contents as the loader would build them: tuples become lists, mappings dicts."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def has_document_start(text: str) -> bool:
    """Whether a file opens with `---` (kept when it is written back)."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return stripped == "---" or stripped.startswith("--- ")
    return False
