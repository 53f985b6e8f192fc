"""The prompts the teacher sees: versioned text files shipped in the package, rendered on demand.

Each pipeline stage has one file in `prompts/`. `PROMPT_VERSION` is the hash of every file, stored
on each run and sample, so a resumed run can tell that the prompts changed since it started.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources

from labui.errors import UsageError
from labui.fsio import sha256_text

PROMPT_NAMES = (
    "freeform_question",
    "freeform_answer",
    "grounded_context_question",
    "grounded_answer",
    "knowledge_qa",
    "judge_question",
    "judge_pair",
    "judge_faithful",
)
SYSTEM_PROMPT = "You are a careful teacher who writes training data. You follow the requested format exactly."
# Characters per token for the pre-flight context check; 3 is conservative for English text with
# most tokenizers (they average about 4), so the check errs on the side of refusing.
CHARS_PER_TOKEN = 3.0


@cache
def template(name: str) -> str:
    if name not in PROMPT_NAMES:
        raise UsageError(f"no prompt named {name!r}")
    return resources.files("labui.generate").joinpath("prompts", f"{name}.txt").read_text("utf-8")


@cache
def prompt_version() -> str:
    """A short content hash of every prompt file: it changes whenever any prompt changes."""
    joined = "\n\x00".join(f"{name}\n{template(name)}" for name in PROMPT_NAMES) + SYSTEM_PROMPT
    return "p1-" + sha256_text(joined)[:12]


def render(name: str, **values: str) -> str:
    """The prompt `name` with `values` filled in (user text is inserted as is, never re-parsed)."""
    return template(name).format(**values)


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def check_fits(prompt: str, max_tokens: int, context_tokens: int, where: str) -> None:
    """Refuse, before any call, a prompt that with `max_tokens` of reply cannot fit the context."""
    need = estimate_tokens(SYSTEM_PROMPT) + estimate_tokens(prompt) + max_tokens
    if need > context_tokens:
        raise UsageError(
            f"{where}: the prompt (about {need - max_tokens} tokens) plus --max-tokens {max_tokens} does not "
            f"fit the teacher's context of {context_tokens} tokens; lower --max-tokens or raise --context"
        )
