"""The question bank: schema validation, grading, the seeded draw, and the numbers in
our own numeric questions recomputed with bnlib."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bnlib.core import batchnorm as bn
from bnlib.course.quizbank import (
    JACCARD_LIMIT,
    RATIO_LIMIT,
    Question,
    QuizBankError,
    draw,
    for_lesson,
    load_bank,
    similar_pairs,
    stem_similarity,
    stem_tokens,
)

GOOD = {
    "id": "t-01",
    "lesson": "batch-statistics",
    "kind": "single",
    "prompt": "Pick one",
    "options": ["a", "b"],
    "answer": 1,
    "explanation": "Because.",
}
NUMERIC = {
    "id": "t-02",
    "lesson": "batch-statistics",
    "kind": "numeric",
    "prompt": "How much?",
    "answer": 1.5,
    "tolerance": 0.01,
    "explanation": "Because.",
}
MULTI = {**GOOD, "id": "t-03", "kind": "multi", "options": ["a", "b", "c"], "answer": [0, 2]}


def _write(tmp_path, entries, name="bank.json"):
    (tmp_path / name).write_text(json.dumps(entries), encoding="utf-8")
    return tmp_path


def _without(d, key):
    return {k: v for k, v in d.items() if k != key}


BAD = [
    ("no-prompt", _without(GOOD, "prompt"), "prompt"),
    ("empty-expl", {**GOOD, "explanation": "  "}, "explanation"),
    ("no-lesson", _without(GOOD, "lesson"), "lesson"),
    ("bad-kind", {**GOOD, "kind": "essay"}, "kind"),
    ("extra-field", {**GOOD, "hint": "x"}, "unknown field"),
    ("one-option", {**GOOD, "options": ["a"]}, "options"),
    ("options-not-list", {**GOOD, "options": "ab"}, "options"),
    ("empty-option", {**GOOD, "options": ["a", ""]}, "options"),
    ("repeated-option", {**GOOD, "options": ["a", "a"]}, "repeat"),
    ("answer-out-of-range", {**GOOD, "answer": 2}, "answer"),
    ("answer-bool", {**GOOD, "answer": True}, "answer"),
    ("answer-list-for-single", {**GOOD, "answer": [1]}, "answer"),
    ("multi-not-list", {**MULTI, "answer": 1}, "answer"),
    ("multi-empty", {**MULTI, "answer": []}, "answer"),
    ("multi-duplicates", {**MULTI, "answer": [0, 0]}, "answer"),
    ("multi-out-of-range", {**MULTI, "answer": [0, 3]}, "answer"),
    ("numeric-no-tolerance", _without(NUMERIC, "tolerance"), "tolerance"),
    ("numeric-negative-tolerance", {**NUMERIC, "tolerance": -1}, "tolerance"),
    ("numeric-text-answer", {**NUMERIC, "answer": "1.5"}, "answer"),
    ("numeric-bool-answer", {**NUMERIC, "answer": False}, "answer"),
    ("numeric-with-options", {**NUMERIC, "options": ["a", "b"]}, "options"),
]


@pytest.mark.parametrize(("qid", "entry", "word"), BAD, ids=[b[0] for b in BAD])
def test_malformed_question_is_rejected_by_id_and_file(tmp_path, qid, entry, word):
    _write(tmp_path, [GOOD, {**entry, "id": qid}], "lesson.json")
    with pytest.raises(QuizBankError) as err:
        load_bank(tmp_path)
    msg = str(err.value)
    assert "lesson.json" in msg and qid in msg and word in msg


def test_missing_id_and_non_object_are_rejected(tmp_path):
    _write(tmp_path, [_without(GOOD, "id")])
    with pytest.raises(QuizBankError, match="'id'"):
        load_bank(tmp_path)
    _write(tmp_path, ["just text"])
    with pytest.raises(QuizBankError, match="JSON object"):
        load_bank(tmp_path)


def test_duplicate_id_across_files_names_both(tmp_path):
    _write(tmp_path, [GOOD], "a.json")
    _write(tmp_path, [GOOD], "b.json")
    with pytest.raises(QuizBankError, match=r"b\.json.*t-01.*a\.json"):
        load_bank(tmp_path)


def test_broken_json_and_non_list_files_are_named(tmp_path):
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    with pytest.raises(QuizBankError, match="broken.json"):
        load_bank(tmp_path)
    (tmp_path / "broken.json").write_text('{"id": "x"}', encoding="utf-8")
    with pytest.raises(QuizBankError, match="broken.json.*list"):
        load_bank(tmp_path)


def test_grading_each_kind():
    single = Question("s", "x", "single", "p", "e", ("a", "b", "c"), 2)
    assert single.is_correct(2) and not single.is_correct(1) and not single.is_correct(None)
    multi = Question("m", "x", "multi", "p", "e", ("a", "b", "c"), (0, 2))
    assert multi.is_correct([2, 0]) and not multi.is_correct([0]) and not multi.is_correct(5)
    num = Question("n", "x", "numeric", "p", "e", answer=1.5, tolerance=0.01)
    assert num.is_correct(1.5) and num.is_correct(1.509) and not num.is_correct(1.52)
    assert not num.is_correct(float("nan")) and not num.is_correct("abc")
    assert "1.5" in num.correct_text and "0.01" in num.correct_text
    assert multi.correct_text == "a; c"


def test_draw_is_seeded_spread_and_without_repeats():
    bank = load_bank()
    a, b = draw(bank, 7, 10), draw(bank, 7, 10)
    assert [q.id for q in a] == [q.id for q in b]
    assert len({q.id for q in a}) == len(a) == min(10, len(bank))
    lessons = {q.lesson for q in bank}
    assert len({q.lesson for q in a}) == min(10, len(lessons))
    assert [q.id for q in draw(bank, 8, 10)] != [q.id for q in a]
    assert len(draw(bank, 1, 10_000)) == len(bank)


def test_lesson_block_prefers_its_own_file():
    bank = load_bank()
    qs = for_lesson(bank, "train-vs-inference")
    own = [q.source == "train-vs-inference.json" for q in qs]
    assert own == sorted(own, reverse=True)


# --- our own files ----------------------------------------------------------------------
OURS = (
    "alternatives.json",
    "why-it-works.json",
    "training-lab.json",
    "general.json",
    "non-random-batches.json",  # split off alternatives.json with lesson 11
)


def _ours() -> dict[str, Question]:
    return {q.id: q for q in load_bank() if q.source in OURS}


def test_our_files_have_every_kind_and_several_numeric():
    ours = _ours()
    assert len(ours) >= 30
    kinds = [q.kind for q in ours.values()]
    assert {"single", "multi", "numeric"} <= set(kinds)
    assert kinds.count("numeric") >= 8
    for name in OURS[:3]:
        lesson = name.removesuffix(".json")
        assert sum(q.source == name and q.lesson == lesson for q in ours.values()) >= 3


def _check(qid: str, value: float):
    q = {q.id: q for q in load_bank()}[qid]
    assert abs(value - q.answer) <= q.tolerance, f"{qid}: computed {value}, bank says {q.answer}"


def test_numeric_answers_recomputed():
    x = np.array([[2.0], [4.0], [6.0], [8.0]])  # (m, 1)
    y, _ = bn.forward(x, eps=1e-12)  # eps ignored, as the question says
    _check("gen-01", float(y[3, 0]))
    p = 0.1
    sig = np.r_[np.ones(1), np.zeros(9)]  # on 10% of the time
    _check("sp-01", float(((sig - sig.mean()) / sig.std())[0]))
    _check("sp-02", float(((sig - sig.mean()) / sig.std())[-1]))
    assert math.isclose(float(((sig - sig.mean()) / sig.std())[-1]), -math.sqrt(p / (1 - p)))
    _check("ti-01", bn.keras_to_torch_momentum(0.95))
    layer = bn.BatchNorm(1, momentum=0.1)
    batch = np.array([[-1.0], [-1.0], [1.0], [1.0]]) * math.sqrt(3.0)  # (4, 1), biased var 3
    assert math.isclose(float(batch.var()), 3.0)
    layer.forward(batch)
    _check("gen-05", float(layer.running_var[0]))
    # folds with eps that matters
    a, b = bn.fold(np.array([1.5]), np.array([0.2]), np.array([2.0]), np.array([4e-4]), eps=1e-4)
    _check("gen-19", float(a[0] * 2.01 + b[0]))
    a, b = bn.fold(np.array([1.0]), np.array([0.0]), np.array([4.0]), np.array([8.99]), eps=0.01)
    w, c = 3.0, 1.0  # the layer z = 3x + 1 before BN
    _check("gen-20", float(a[0] * c + b[0]))
    assert math.isclose(float(a[0] * w), 1.0)
    # sum(dx * x_hat) in closed form, checked against the backward pass, then the question
    rng = np.random.default_rng(0)
    xb, dy, gamma, eps = rng.normal(size=(6, 1)), rng.normal(size=(6, 1)), 1.7, 0.3
    _, cache = bn.forward(xb, gamma=gamma, eps=eps)
    dx, _, _ = bn.backward(dy, cache)
    closed = gamma * eps / (cache.var[0] + eps) ** 1.5 * float((dy * cache.x_hat).sum())
    assert math.isclose(float((dx * cache.x_hat).sum()), closed, rel_tol=1e-9)
    assert abs(float(dx.sum())) < 1e-12
    _check("gen-27", 1.0 * 0.01 / (0.99 + 0.01) ** 1.5 * 2.0)
    _check("gen-23", 4096 / 128)
    _check("bz-01", 0.5 / math.sqrt(64 / 16))
    _check("alt-02", 34.7 - 24.1)
    _check("alt-04", min(max(2.0 / 0.5, 1 / 3), 3))
    _check("alt-05", 0.9 * 1.0 + 0.1 * 5.0)
    _check("alt-09", min(max((1.0 - 0.4) / 0.3, -5.0), 5.0))
    _check("lab-02", 31.0 / 2.1)  # Ioffe and Szegedy: 31M steps for Inception, 2.1M for BN-x5
    _check("why-04", max(0.6 / (0.5 * 0.4), 1.0 / (1.0 * 0.4)))


def test_numeric_prompts_state_format_and_tolerance():
    for q in load_bank():
        if q.kind != "numeric":
            continue
        if q.tolerance == 0:
            assert "only the exact value counts" in q.prompt, q.id
            assert float(q.answer).is_integer(), q.id
        else:
            assert f"within ±{q.tolerance:g} count" in q.prompt, q.id


# --- near-duplicates ----------------------------------------------------------------------------
def test_no_two_stems_are_too_similar():
    pairs = similar_pairs(load_bank())
    assert not pairs, f"near-duplicate questions (id, id, ratio, jaccard): {pairs}"


# Stems from the bank before the clean-up, in pairs that asked the same thing twice.
OLD_DUPLICATES = [
    (
        "A Keras model uses BatchNormalization(momentum=0.95). What momentum gives the same "
        "running average in PyTorch's nn.BatchNorm1d?",
        "A Keras model uses BatchNormalization(momentum=0.95). What momentum gives the same "
        "running averages in PyTorch?",
    ),
    (
        "A Keras model uses BatchNormalization(momentum=0.99). What momentum gives the same "
        "running averages in PyTorch's nn.BatchNorm1d?",
        "A Keras model uses BatchNormalization(momentum=0.95). What momentum gives the same "
        "running average in PyTorch's nn.BatchNorm1d?",
    ),
    (
        "After training, a colleague gets different predictions for the same image depending "
        "on which other images are in the batch. What was most likely forgotten?",
        "A model gives different predictions for the same image depending on which other "
        "images are in the batch. What is the most likely cause?",
    ),
    (
        "What happens if a BatchNorm1d layer in training mode gets a batch of a single sample?",
        "What happens with a batch of a single sample in training mode?",
    ),
    (
        "A conv layer outputs feature maps of shape (N, C, H, W) = (32, 64, 14, 14). How many "
        "running means does the BatchNorm2d after it keep?",
        "nn.BatchNorm2d is applied to activations of shape (32, 64, 28, 28) = (N, C, H, W). "
        "How many running means does it keep?",
    ),
]


def _bank_of(prompts):
    return [Question(f"q{i}", "x", "single", p, "e", ("a", "b"), 0) for i, p in enumerate(prompts)]


@pytest.mark.parametrize("pair", OLD_DUPLICATES, ids=range(len(OLD_DUPLICATES)))
def test_similarity_check_flags_the_old_duplicates(pair):
    assert similar_pairs(_bank_of(pair)), stem_similarity(*pair)


def test_similarity_check_ignores_the_format_sentence_and_a_shared_template():
    a = "What is x? Answer as a decimal number; answers within ±0.01 count."
    b = "Where is the mode of y? Answer as a decimal number; answers within ±0.01 count."
    assert stem_tokens(a) == ["x"]
    assert not similar_pairs(_bank_of([a, b]))
    # same renorm template, different quantity: below both limits (0.75 and 0.29)
    bank = {q.id: q for q in load_bank()}
    ratio, jaccard = stem_similarity(bank["alt-04"].prompt, bank["alt-09"].prompt)
    assert ratio < RATIO_LIMIT and jaccard < JACCARD_LIMIT
