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
        return _describe(self)


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


def _describe(requirement: Requirement) -> str:
    detail, module = requirement.detail, requirement.module
    number = module.position if module else None
    if requirement.step is Step.QUIZ:
        if requirement.met:
            return _("Module %(number)s quiz passed", number=number)
        if not detail.get("started"):
            return _("Module %(number)s quiz not taken yet", number=number)
        if detail.get("attempts_left") == 0:
            return _("Module %(number)s quiz not passed, and no attempts are left", number=number)
        return _("Module %(number)s quiz not passed yet", number=number)
    if requirement.step is Step.IN_PERSON:
        if requirement.met:
            return _("Attended the in-person module")
        if detail.get("status") in {"absent", "no_show"}:
            return _("Did not attend the in-person session")
        return _("In-person session not attended yet")
    if requirement.step is Step.PROTOTYPE:
        if requirement.met:
            return _("Group prototype passed")
        if not detail.get("graded"):
            return _("Group prototype not graded yet")
        return _("Group prototype graded below the pass mark (%(percent)s%% of %(pass_mark)s%%)",
                 percent=_number(detail["percent"]), pass_mark=detail["pass_mark"])
    if requirement.met:
        return _("Final survey answered")
    return _("Final survey not answered yet")


def _number(value) -> str:
    return f"{Decimal(value):.0f}" if value is not None else "—"
