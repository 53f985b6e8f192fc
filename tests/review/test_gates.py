"""Each gate on hand-made samples: the flag, its reason text and its other side."""

from __future__ import annotations

from pathlib import Path

import pytest

from labui.coverage.embed import SentenceTransformerEmbedder
from labui.review.gates import run_gates
from labui.review.pii import find_pii
from labui.store import Store
from labui.store.review import Flag, flags_for
from labui.taxonomy import load_taxonomy
from tests.review.support import LEAF, OTHER_LEAF, add_run, add_samples, clean


def _flags(store: Store, ids: list[int]) -> dict[int, dict[str, Flag]]:
    return {sid: {f.gate: f for f in fl} for sid, fl in flags_for(store, ids).items()}


def test_clean_samples_get_no_flags(store: Store, sample_taxonomy: Path) -> None:
    run = add_run(store)
    ids = add_samples(store, run, clean(12))
    report = run_gates(store, load_taxonomy(sample_taxonomy), run_ids=[run])
    assert report.samples == 12
    assert report.flagged == 0, _flags(store, ids)


def test_exact_and_near_duplicates_keep_the_first(store: Store) -> None:
    run = add_run(store)
    base = clean(10)
    a = dict(base[0])
    exact = {"question": a["question"].upper() + "  ", "answer": a["answer"].replace(";", ",")}
    same_question = {
        "question": base[1]["question"],
        "answer": "A quite different answer about another thing.",
    }
    near = {"question": "Please " + base[2]["question"], "answer": base[2]["answer"] + " That is all."}
    ids = add_samples(store, run, [*base, exact, same_question, near])
    run_gates(store, None, run_ids=[run])
    flags = _flags(store, ids)
    assert set(flags) == {ids[10], ids[11], ids[12]}
    f = flags[ids[10]]["exact_duplicate"]
    assert f.reason == f"duplicate of #{ids[0]} (same text after normalising case, spacing and punctuation)"
    assert f.other == ids[0] and f.score == 1.0
    assert flags[ids[11]]["exact_duplicate"].reason == (
        f"duplicate of #{ids[1]}: the same question (after normalising), another answer"
    )
    n = flags[ids[12]]["near_duplicate"]
    assert n.other == ids[2] and n.score is not None and 0.85 <= n.score < 1
    assert n.reason.startswith(f"near duplicate of #{ids[2]} (Jaccard 0.")


def test_duplicates_across_runs_of_the_same_leaf_only(store: Store) -> None:
    first = add_run(store)
    old = add_samples(store, first, clean(3))
    elsewhere = {"question": "Which planet is largest?", "answer": "Jupiter is the largest planet."}
    other_leaf = add_samples(store, first, [elsewhere | {"leaf": OTHER_LEAF}], leaf=OTHER_LEAF)
    second = add_run(store)
    new = add_samples(store, second, [clean(3)[1], elsewhere])
    run_gates(store, None, run_ids=[second])
    flags = _flags(store, new + old + other_leaf)
    assert flags[new[0]]["exact_duplicate"].other == old[1]
    assert new[1] not in flags  # the same text in another leaf is not a duplicate
    assert old[1] not in flags


def test_semantic_duplicate_with_the_real_encoder(store: Store, encoder: SentenceTransformerEmbedder) -> None:
    run = add_run(store)
    ids = add_samples(
        store,
        run,
        [
            *clean(4),
            {
                "question": "How many moons does Mars have?",
                "answer": "Mars has two moons, Phobos and Deimos.",
            },
            {"question": "How many moons does Mars have?!", "answer": "Mars has 2 moons: Phobos and Deimos."},
        ],
    )
    run_gates(store, None, run_ids=[run], embedder=encoder)
    flags = _flags(store, ids)
    # normalising punctuation makes the questions equal: an exact duplicate on the question
    assert flags[ids[5]]["exact_duplicate"].other == ids[4]
    run2 = add_run(store)
    ids2 = add_samples(
        store,
        run2,
        [
            {
                "question": "Tell me how many moons the planet Mars has.",
                "answer": "Mars has two moons, Phobos and Deimos.",
            }
        ],
    )
    report = run_gates(store, None, run_ids=[run2], embedder=encoder)
    f = _flags(store, ids2)[ids2[0]]
    assert "semantic_duplicate" in f or "near_duplicate" in f, f
    if "semantic_duplicate" in f:
        assert f["semantic_duplicate"].reason.startswith(f"semantic duplicate of #{ids[4]} (cosine 0.9")
    assert LEAF in report.diversity


def test_seed_copy_names_the_seed(store: Store, sample_taxonomy: Path) -> None:
    run = add_run(store)
    q = "Summarize this bookshop's sales for the quarter in two or three sentences."
    ids = add_samples(store, run, [*clean(3), {"question": q, "answer": "Something new entirely."}])
    run_gates(store, load_taxonomy(sample_taxonomy), run_ids=[run])
    f = _flags(store, ids)[ids[3]]["seed_copy"]
    assert f.reason == "copies seed 1 of this leaf (same text as the question)"
    assert f.other == f"{LEAF}#1"


def test_real_data_copy_verbatim_run(store: Store) -> None:
    run = add_run(store)
    record = (
        "the quick brown fox jumps over the lazy dog near the old river bank every single morning at dawn"
    )
    ids = add_samples(
        store, run, [*clean(3), {"question": "Tell a story.", "answer": "Once, " + record + ", they said."}]
    )
    run_gates(store, None, run_ids=[run], real_texts=["unrelated record", record])
    f = _flags(store, ids)[ids[3]]["real_data_copy"]
    assert f.reason == "13 or more words in a row from real record 2"
    assert f.other == "real:2"


def test_pii_spans_and_reason(store: Store) -> None:
    run = add_run(store)
    answer = "Write to jane.roe@example.org or call +1 415-555-2671; card 4111 1111 1111 1111."
    ids = add_samples(store, run, [*clean(3), {"question": "Who do I contact?", "answer": answer}])
    run_gates(store, None, run_ids=[run])
    f = _flags(store, ids)[ids[3]]["pii"]
    assert f.reason == "personal data or secret: card, email, phone in the answer"
    assert {answer[s:e] for _, s, e, _ in f.spans} == {
        "jane.roe@example.org",
        "+1 415-555-2671",
        "4111 1111 1111 1111",
    }


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("IBAN GB82 WEST 1234 5698 7654 32", "iban"),
        ("host 203.0.113.9 answered", "ip"),
        ("key AKIAIOSFODNN7EXAMPLE", "secret"),
        ("-----BEGIN RSA PRIVATE KEY-----", "secret"),
    ],
)
def test_pii_kinds(text: str, kind: str) -> None:
    assert [s.kind for s in find_pii(text)] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "The card number 4111 1111 1111 1112 fails the Luhn check.",
        "IBAN GB82 WEST 1234 5698 7654 33 has bad check digits.",
        "In 1999 there were 365 days and 24 hours in each.",
    ],
)
def test_pii_near_misses_are_not_flagged(text: str) -> None:
    assert find_pii(text) == []


def test_form_gates(store: Store) -> None:
    run = add_run(store)
    items = [
        *clean(12),
        {"question": "Summarise the table.", "answer": ""},
        {"question": "Summarise the table.", "answer": "The table shows", "finish_reason": "length"},
        {"question": "Summarise this.", "answer": "As an AI language model, I cannot summarise tables."},
        {"question": "What is the mean rainfall?", "answer": "What is the mean rainfall?"},
        {"question": "Describe the trend in detail.", "answer": " ".join(["word"] * 900)},
        {
            "question": "Rate it.",
            "answer": "It is a fine table overall.",
            # The shape the generate stage stores; judges score 1-3 and 1s are dropped before storing.
            "stages": {"judge_pair": {"score": 2, "why": "vague"}, "answer": {"answer": "..."}},
        },
    ]
    ids = add_samples(store, run, items)
    report = run_gates(store, None, run_ids=[run])
    flags = _flags(store, ids)
    assert flags[ids[12]]["empty"].reason == "empty answer"
    assert flags[ids[13]]["truncated"].reason == "cut off at the token limit (finish_reason length)"
    assert flags[ids[14]]["refusal"].reason == 'refusal or boilerplate: "As an AI language model"'
    assert flags[ids[15]]["empty"].reason == "the answer repeats the question"
    assert flags[ids[16]]["length_outlier"].reason.startswith(
        "answer of 900 words, far longer than this leaf's median of"
    )
    assert flags[ids[17]]["judge"].reason == "low judge score: judge_pair 2 (vague)"
    assert report.flags["judge"] == 1
    assert not any(i in flags for i in ids[:12])


def test_gates_replace_their_flags(store: Store) -> None:
    run = add_run(store)
    ids = add_samples(store, run, [*clean(3), clean(3)[0]])
    run_gates(store, None, run_ids=[run])
    run_gates(store, None, run_ids=[run])
    assert [f.gate for f in flags_for(store, ids)[ids[3]]] == ["exact_duplicate"]
