"""What an activity of a platform course opens in certify, and where each person lands.

An activity names its target in the custom parameter ``certify_target`` (set by deep
linking, or by hand in Moodle): ``module:M1``, ``quiz:M2``, ``session:M5`` or ``project``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.assessments.models import Quiz
from certify.attendance.models import InPersonSession
from certify.cohorts.models import Cohort
from certify.core.errors import ValidationError
from certify.extensions import db
from certify.lti.models import TargetKind
from certify.programmes.models import Module, ModuleKind, Programme

TARGET_PARAMETER = "certify_target"
TARGET_PATTERN = re.compile(r"^(module|quiz|session):([A-Za-z0-9_-]{1,32})$|^(project|programme)$")


# --- what an activity points to ----------------------------------------------------------------

class TargetError(ValidationError):
    """An activity points to something this programme does not have."""


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    module: Module | None = None
    quiz_id: int | None = None  # the module's quiz, for module and quiz targets

    @property
    def value(self) -> str:
        return f"{self.kind.value}:{self.module.code}" if self.module else self.kind.value

    @property
    def resource_id(self) -> str | None:
        """The graded thing this activity stands for: a virtual module is graded by its quiz."""
        if self.quiz_id is not None and self.module is not None:
            return f"quiz:{self.module.code}"
        if self.kind is TargetKind.PROJECT:
            return "project"
        return None


def parse_target(value: str | None, programme: Programme | None) -> Target:
    """The target named by ``value`` (``module:M1``, ``quiz:M2``, ``session:M5``, ``project``).

    Raises :class:`TargetError` when the value is malformed or the programme has no such
    module (or it is of the wrong kind).
    """
    value = (value or "").strip()
    if not value or value == TargetKind.PROGRAMME.value:
        return Target(TargetKind.PROGRAMME)
    match = TARGET_PATTERN.match(value)
    if not match:
        raise TargetError(_("The activity's %(parameter)s “%(value)s” is not one of module:CODE, "
                            "quiz:CODE, session:CODE or project.",
                            parameter=TARGET_PARAMETER, value=value[:80]))
    if match.group(3):
        return Target(TargetKind(match.group(3)))
    kind, code = TargetKind(match.group(1)), match.group(2)
    module, quiz_id = None, None
    if programme is not None:  # the module and its quiz, in one query
        found = db.session.execute(
            sa.select(Module, Quiz.id).outerjoin(Quiz, Quiz.module_id == Module.id)
            .where(Module.programme_id == programme.id, Module.code == code)).first()
        module, quiz_id = found if found else (None, None)
    if module is None:
        raise TargetError(_("The activity points to module %(code)s, which the programme does "
                            "not have.", code=code))
    if kind is TargetKind.SESSION and module.kind is not ModuleKind.IN_PERSON:
        raise TargetError(_("The activity points to the in-person session of module %(code)s, "
                            "which is a virtual module.", code=code))
    if kind not in (TargetKind.MODULE, TargetKind.QUIZ):
        quiz_id = None
    if kind is TargetKind.QUIZ and quiz_id is None:
        raise TargetError(_("The activity points to the quiz of module %(code)s, which has no "
                            "quiz.", code=code))
    return Target(kind, module, quiz_id)


# --- where people land -------------------------------------------------------------------------

def _session_of(cohort: Cohort, module: Module) -> int | None:
    return db.session.scalar(
        sa.select(InPersonSession.id)
        .where(InPersonSession.cohort_id == cohort.id, InPersonSession.module_id == module.id)
        .order_by(InPersonSession.starts_at, InPersonSession.id).limit(1))


def landing(target: Target, *, staff: bool, cohort: Cohort | None) -> tuple[str, dict]:
    """The page (endpoint and its arguments) a launch opens."""
    module = target.module
    if cohort is None:
        return ("cohorts.index", {}) if staff else ("progress.my_programme", {})
    if target.kind is TargetKind.MODULE:
        if staff:
            return "programmes.module", {"programme_id": cohort.programme_id, "code": module.code}
        return "progress.module", {"cohort_id": cohort.id, "code": module.code}
    if target.kind is TargetKind.QUIZ:
        if staff:
            return "assessments.cohort_results", {"cohort_id": cohort.id,
                                                  "quiz_id": target.quiz_id}
        return "assessments.quiz", {"cohort_id": cohort.id, "code": module.code}
    if target.kind is TargetKind.SESSION:
        session_id = _session_of(cohort, module)
        if session_id is not None:
            return "attendance.detail", {"session_id": session_id}
        if staff:
            return "attendance.index", {}
        return "progress.module", {"cohort_id": cohort.id, "code": module.code}
    if target.kind is TargetKind.PROJECT:
        if staff:
            return "submissions.queue", {"cohort": cohort.id}
        return "submissions.my_prototype", {}
    if staff:
        return "cohorts.detail", {"cohort_id": cohort.id}
    return "progress.my_programme", {}
