"""How an attempt is marked: pure functions, no database, so the rules are easy to read and test.

Every question is worth one point. A single-choice or true/false question earns
it when the chosen option is the correct one; a multiple-choice question only
when the chosen options are exactly the correct ones (all correct options and no
wrong ones): there is no partial credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from certify.assessments.models import Question

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Score:
    points: int
    max_points: int
    percent: Decimal
    passed: bool


def earns_point(question: Question, chosen: Iterable[str]) -> bool:
    """True if ``chosen`` option keys are exactly the question's correct keys."""
    return frozenset(chosen) == question.correct_keys


def score(questions: Iterable[Question], answers: Mapping[str, list[str]], pass_mark: int) -> Score:
    """Mark ``answers`` ({question id: [option keys]}) against ``questions``.

    ``percent`` is 100 * points / max, rounded to hundredths; the attempt passes
    when it reaches ``pass_mark`` (a percentage).
    """
    questions = list(questions)
    points = sum(earns_point(question, answers.get(str(question.id), ())) for question in questions)
    max_points = len(questions)
    percent = (Decimal(100 * points) / Decimal(max_points)).quantize(HUNDREDTH, ROUND_HALF_UP) \
        if max_points else Decimal(0)
    return Score(points=points, max_points=max_points, percent=percent,
                 passed=max_points > 0 and percent >= pass_mark)
