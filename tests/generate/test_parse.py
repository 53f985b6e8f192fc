"""Replies into fields: structured JSON, JSON wrapped in chatter, tolerant tags, and what does not parse."""

from __future__ import annotations

import pytest

from labui.generate.parse import ParseFailure, parse_reply


def test_plain_json() -> None:
    assert parse_reply('{"question": "Why?", "answer": "Because."}', ["question", "answer"]) == {
        "question": "Why?",
        "answer": "Because.",
    }


def test_json_in_a_code_fence_with_chatter() -> None:
    text = 'Sure! Here it is:\n```json\n{"Question": " What is 2+2? "}\n```\nHope that helps.'
    assert parse_reply(text, ["question"]) == {"question": "What is 2+2?"}


def test_tolerant_tags_when_the_model_ignores_the_format() -> None:
    text = "**Question:** Name a prime.\n\n**Answer:** 7 is prime.\nIt has no divisors."
    assert parse_reply(text, ["question", "answer"]) == {
        "question": "Name a prime.",
        "answer": "7 is prime.\nIt has no divisors.",
    }


def test_a_bare_answer_is_the_answer_but_a_bare_question_needs_structure() -> None:
    assert parse_reply("Paris is the capital.", ["answer"]) == {"answer": "Paris is the capital."}
    with pytest.raises(ParseFailure) as exc:
        parse_reply("I cannot help with that", ["question", "answer"])
    assert exc.value.reason == "parse_error"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty_reply"),
        ("   \n", "empty_reply"),
        ('{"question": ""}', "empty_fields"),
        ('{"question": "x', "parse_error"),
    ],
)
def test_failures_have_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ParseFailure) as exc:
        parse_reply(text, ["question"])
    assert exc.value.reason == reason


def test_judge_scores() -> None:
    assert parse_reply('{"score": 2, "why": "ok"}', [], score=True) == {"score": 2, "why": "ok"}
    assert parse_reply('{"score": "3"}', [], score=True)["score"] == 3
    assert parse_reply("Score: 1 - off topic", [], score=True)["score"] == 1
    with pytest.raises(ParseFailure):
        parse_reply('{"score": 7}', [], score=True)
