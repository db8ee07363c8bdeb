"""The question bank: JSON files in assets/quiz/, validated on load.

Each file holds a JSON list of questions:

    {"id": "bs-01",                       unique across the bank
     "lesson": "batch-statistics",        url_path of the page it belongs to
     "kind": "single" | "multi" | "numeric",
     "prompt": "...",
     "options": ["...", ...],             single/multi only (2 or more)
     "answer": 1 | [0, 2] | 0.707,        option index, list of indices, or a number
     "tolerance": 0.01,                   numeric only: absolute tolerance (required)
     "explanation": "..."}                shown after answering

A lesson's own questions live in <url_path>.json; general.json holds a shared pool whose
questions name the lesson that teaches the idea (the quiz links back to it).

Pure python; no streamlit import.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from bnlib.course.jsonfile import read_json
from bnlib.data.paths import ASSETS

BANK_DIR = ASSETS / "quiz"
KINDS = ("single", "multi", "numeric")


class QuizBankError(ValueError):
    """A malformed question; the message names the file and the question id."""


@dataclass(frozen=True)
class Question:
    id: str
    lesson: str
    kind: str
    prompt: str
    explanation: str
    options: tuple[str, ...] = ()
    answer: int | tuple[int, ...] | float = 0
    tolerance: float = 0.0
    source: str = ""  # the bank file it came from (set by load_bank)

    def is_correct(self, response) -> bool:
        """Grade a response: an option index, a collection of indices, or a number."""
        if response is None:
            return False
        if self.kind == "single":
            return response == self.answer
        if self.kind == "multi":
            try:
                return set(response) == set(self.answer)
            except TypeError:
                return False
        try:
            value = float(response)
        except (TypeError, ValueError):
            return False
        return math.isfinite(value) and abs(value - self.answer) <= self.tolerance

    @property
    def correct_text(self) -> str:
        if self.kind == "single":
            return self.options[self.answer]
        if self.kind == "multi":
            return "; ".join(self.options[i] for i in self.answer)
        return f"{self.answer:g} (within ±{self.tolerance:g})"


def _fail(where: str, qid, msg: str):
    raise QuizBankError(f"{where}: question {qid!r}: {msg}")


def parse_question(raw: dict, where: str = "<bank>") -> Question:
    if not isinstance(raw, dict):
        _fail(where, None, "each entry must be a JSON object")
    qid = raw.get("id")
    if not isinstance(qid, str) or not qid.strip():
        _fail(where, qid, "needs a non-empty string 'id'")
    for key in ("lesson", "prompt", "explanation"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            _fail(where, qid, f"needs a non-empty string {key!r}")
    kind = raw.get("kind")
    if kind not in KINDS:
        _fail(where, qid, f"'kind' must be one of {KINDS}, got {kind!r}")
    allowed = {"id", "lesson", "kind", "prompt", "options", "answer", "tolerance", "explanation"}
    extra = set(raw) - allowed
    if extra:
        _fail(where, qid, f"unknown field(s) {sorted(extra)}")
    answer = raw.get("answer")
    if kind == "numeric":
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            _fail(where, qid, "numeric 'answer' must be a number")
        tol = raw.get("tolerance")
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or tol < 0:
            _fail(where, qid, "numeric questions need a non-negative 'tolerance'")
        if "options" in raw:
            _fail(where, qid, "numeric questions take no 'options'")
        return Question(
            qid,
            raw["lesson"],
            kind,
            raw["prompt"],
            raw["explanation"],
            answer=float(answer),
            tolerance=float(tol),
        )
    options = raw.get("options")
    if (
        not isinstance(options, list)
        or len(options) < 2
        or not all(isinstance(o, str) and o.strip() for o in options)
    ):
        _fail(where, qid, "'options' must be a list of at least 2 non-empty strings")
    if len(set(options)) != len(options):
        _fail(where, qid, "'options' must not repeat")
    n = len(options)

    def valid_index(i) -> bool:
        return isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n

    if kind == "single":
        if not valid_index(answer):
            _fail(where, qid, f"single-choice 'answer' must be an option index 0..{n - 1}")
        ans = answer
    else:
        if (
            not isinstance(answer, list)
            or not answer
            or not all(valid_index(i) for i in answer)
            or len(set(answer)) != len(answer)
        ):
            _fail(
                where, qid, f"multi-choice 'answer' must be a list of distinct indices 0..{n - 1}"
            )
        ans = tuple(sorted(answer))
    return Question(
        qid,
        raw["lesson"],
        kind,
        raw["prompt"],
        raw["explanation"],
        options=tuple(options),
        answer=ans,
    )


def load_bank(directory: Path | str = BANK_DIR) -> list[Question]:
    """Every question in every *.json file of `directory`, validated; ids must be unique."""
    directory = Path(directory)
    questions: list[Question] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        entries = read_json(path, QuizBankError, list, "a JSON list of questions")
        for raw in entries:
            q = dataclasses.replace(parse_question(raw, path.name), source=path.name)
            if q.id in seen:
                raise QuizBankError(
                    f"{path.name}: question {q.id!r}: id already used in {seen[q.id]}"
                )
            seen[q.id] = path.name
            questions.append(q)
    return questions


# --- near-duplicate stems ------------------------------------------------------------------
# Two questions whose prompts say almost the same thing waste a quiz slot and show the
# learner the same item twice. The checks are lexical: a prompt's stem (without the
# "Answer as ..." format sentence numeric questions end with) is lowercased, split into
# words and numbers, and common function words are dropped. A pair is too similar when
# either measure reaches its threshold:
#   - difflib's ratio of the two token sequences (word order matters): 0.80
#   - Jaccard overlap of the two token sets (order ignored):              0.45
# On the bank as it stood before the clean-up, copies such as ti-01/ref-01/gen-04 scored
# ratio 0.91 to 0.99 and gen-07/ti-02 0.81, and reworded copies such as bz-02/gen-11 and
# cv-01/gen-08 scored Jaccard 0.60 and 0.52. On the cleaned bank the highest values are a
# ratio of 0.75 (alt-04/alt-09: the same renorm template, asking for r and for d) and a
# Jaccard of 0.39 (sp-01/sp-02), so both thresholds sit between the two groups.
RATIO_LIMIT = 0.80
JACCARD_LIMIT = 0.45
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "is",
        "and",
        "or",
        "for",
        "with",
        "what",
        "which",
        "does",
        "do",
        "it",
        "its",
        "by",
        "on",
        "at",
        "as",
        "be",
        "that",
        "this",
        "from",
        "after",
        "before",
        "how",
        "are",
        "one",
        "your",
        "you",
    ]
)


def stem_tokens(prompt: str) -> list[str]:
    """The content words and numbers of a prompt, without its format sentence."""
    stem = re.sub(r" Answer as .*$", "", prompt)
    words = re.findall(r"[a-z0-9_.]+", stem.lower().replace("\u2212", "-"))
    return [w for w in words if w not in _STOP]


def stem_similarity(a: str, b: str) -> tuple[float, float]:
    """(difflib ratio of the token sequences, Jaccard overlap of the token sets)."""
    ta, tb = stem_tokens(a), stem_tokens(b)
    ratio = difflib.SequenceMatcher(None, " ".join(ta), " ".join(tb)).ratio()
    union = set(ta) | set(tb)
    jaccard = len(set(ta) & set(tb)) / len(union) if union else 1.0
    return ratio, jaccard


def similar_pairs(
    bank: list[Question], ratio: float = RATIO_LIMIT, jaccard: float = JACCARD_LIMIT
) -> list[tuple[str, str, float, float]]:
    """Pairs of questions whose stems are too similar: (id, id, ratio, jaccard)."""
    out = []
    for i, qa in enumerate(bank):
        for qb in bank[i + 1 :]:
            r, j = stem_similarity(qa.prompt, qb.prompt)
            if r >= ratio or j >= jaccard:
                out.append((qa.id, qb.id, round(r, 3), round(j, 3)))
    return out


def for_lesson(bank: list[Question], lesson: str) -> list[Question]:
    """The lesson's questions: those from its own file (<lesson>.json) first, then those
    from shared files such as general.json."""
    mine = [q for q in bank if q.lesson == lesson]
    return sorted(mine, key=lambda q: q.source != f"{lesson}.json")


def draw(bank: list[Question], seed: int, n: int) -> list[Question]:
    """A reproducible mix of n questions (fewer if the bank is smaller), spread over lessons.

    Lessons are visited round-robin in a seeded order, each contributing its questions in
    a seeded order, so a quiz of 10 touches up to 10 different lessons.
    """
    import random

    rng = random.Random(seed)
    by_lesson: dict[str, list[Question]] = {}
    for q in sorted(bank, key=lambda q: q.id):
        by_lesson.setdefault(q.lesson, []).append(q)
    lessons = sorted(by_lesson)
    rng.shuffle(lessons)
    for name in lessons:
        rng.shuffle(by_lesson[name])
    picked: list[Question] = []
    while len(picked) < n and any(by_lesson.values()):
        for name in lessons:
            if by_lesson[name] and len(picked) < n:
                picked.append(by_lesson[name].pop())
    return picked
