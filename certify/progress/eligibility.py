"""Whether a person can be certified, decided from the programme's rules (data, not code).

The rules live in ``Programme.certification_rules`` (loaded from programme.yaml):

- ``virtual_quizzes: all``: the quiz of every virtual module passed;
- ``in_person_statuses: [present, late]``: an attendance status at the in-person module;
- ``prototype_pass_mark: 60``: the group prototype graded (released) at or above this percent;
- ``final_survey: true``: the final satisfaction survey answered.

:func:`decide` is pure: it reads the facts gathered by ``progress.facts`` and
returns every requirement, met or not, so the reasons for a "not yet" are
always the same ones the certificates will be refused with.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from certify.programmes.models import Module, Programme
from certify.progress.facts import PersonFacts


class Step(enum.StrEnum):
    QUIZ = "quiz"
    IN_PERSON = "in_person"
    PROTOTYPE = "prototype"
    FINAL_SURVEY = "final_survey"


@dataclass(frozen=True)
class Requirement:
    step: Step
    met: bool
    module: Module | None = None
    # What the sentence needs: percent, pass_mark, started, graded ...
    detail: dict = field(default_factory=dict, hash=False, compare=False)

    def describe(self) -> str:
        """The requirement in plain words, in the current language."""
        return describe_reason(self.reason())

    def reason(self) -> dict:
        """The requirement as a code and its parameters, to store (e.g. in a job's result)
        and put in words when read, in the reader's language: see :func:`describe_reason`."""
        return _reason(self)


@dataclass(frozen=True)
class Eligibility:
    person_id: int
    requirements: tuple[Requirement, ...]

    @property
    def eligible(self) -> bool:
        return all(requirement.met for requirement in self.requirements)

    @property
    def missing(self) -> list[Requirement]:
        return [requirement for requirement in self.requirements if not requirement.met]

    @property
    def reasons(self) -> list[str]:
        return [requirement.describe() for requirement in self.missing]

    @property
    def reason_codes(self) -> list[dict]:
        """What is missing, as codes to store; :func:`describe_reason` reads them out."""
        return [requirement.reason() for requirement in self.missing]


def decide(programme: Programme, facts: PersonFacts) -> Eligibility:
    """Apply ``programme``'s certification rules to one person's facts."""
    rules = programme.certification_rules or {}
    requirements: list[Requirement] = []
    if rules.get("virtual_quizzes", "all") == "all":
        for module in programme.modules:
            result = facts.quizzes.get(module.id)
            if module.is_virtual and result is not None:
                requirements.append(Requirement(Step.QUIZ, result.passed, module, {
                    "started": result.attempts_used > 0, "percent": result.percent,
                    "attempts_left": result.attempts_left}))
    statuses = set(rules.get("in_person_statuses") or ())
    if statuses:
        for module in programme.modules:
            if not module.is_virtual:
                status = facts.attendance
                requirements.append(Requirement(Step.IN_PERSON, bool(status) and status in statuses,
                                                module, {"status": status}))
    pass_mark = rules.get("prototype_pass_mark")
    if pass_mark is not None:
        prototype = facts.prototype
        graded = prototype is not None and prototype.released
        met = graded and prototype.percent is not None and Decimal(prototype.percent) >= Decimal(pass_mark)
        requirements.append(Requirement(Step.PROTOTYPE, met, None, {
            "graded": graded, "percent": prototype.percent if graded else None, "pass_mark": pass_mark}))
    if rules.get("final_survey"):
        requirements.append(Requirement(Step.FINAL_SURVEY, facts.final_survey_answered))
    return Eligibility(facts.person_id, tuple(requirements))


def _reason(requirement: Requirement) -> dict:
    detail, module = requirement.detail, requirement.module
    number = module.position if module else None
    if requirement.step is Step.QUIZ:
        if requirement.met:
            code = "quiz_passed"
        elif not detail.get("started"):
            code = "quiz_not_taken"
        elif detail.get("attempts_left") == 0:
            code = "quiz_no_attempts_left"
        else:
            code = "quiz_not_passed"
        return {"code": code, "number": number}
    if requirement.step is Step.IN_PERSON:
        if requirement.met:
            return {"code": "attended"}
        if detail.get("status") in {"absent", "no_show"}:
            return {"code": "did_not_attend"}
        return {"code": "not_attended_yet"}
    if requirement.step is Step.PROTOTYPE:
        if requirement.met:
            return {"code": "prototype_passed"}
        if not detail.get("graded"):
            return {"code": "prototype_not_graded"}
        return {"code": "prototype_below_pass_mark", "percent": _number(detail["percent"]),
                "pass_mark": detail["pass_mark"]}
    return {"code": "survey_answered" if requirement.met else "survey_not_answered"}


def describe_reason(reason: dict | str) -> str:
    """A stored reason (see :meth:`Requirement.reason`) in the current language; text stored
    before reasons were codes is shown as it was written."""
    if isinstance(reason, str):
        return reason
    number = reason.get("number")
    texts = {
        "quiz_passed": lambda: _("Module %(number)s quiz passed", number=number),
        "quiz_not_taken": lambda: _("Module %(number)s quiz not taken yet", number=number),
        "quiz_no_attempts_left": lambda: _(
            "Module %(number)s quiz not passed, and no attempts are left", number=number),
        "quiz_not_passed": lambda: _("Module %(number)s quiz not passed yet", number=number),
        "attended": lambda: _("Attended the in-person module"),
        "did_not_attend": lambda: _("Did not attend the in-person session"),
        "not_attended_yet": lambda: _("In-person session not attended yet"),
        "prototype_passed": lambda: _("Group prototype passed"),
        "prototype_not_graded": lambda: _("Group prototype not graded yet"),
        "prototype_below_pass_mark": lambda: _(
            "Group prototype graded below the pass mark (%(percent)s%% of %(pass_mark)s%%)",
            percent=reason.get("percent"), pass_mark=reason.get("pass_mark")),
        "survey_answered": lambda: _("Final survey answered"),
        "survey_not_answered": lambda: _("Final survey not answered yet"),
    }
    text = texts.get(reason.get("code"))
    return text() if text else str(reason.get("code", ""))


def _number(value) -> str:
    return f"{Decimal(value):.0f}" if value is not None else "—"
