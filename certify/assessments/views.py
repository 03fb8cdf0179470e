"""Pages: an official's quiz (intro, attempt, result) and the cohort results for staff."""

from __future__ import annotations

import hmac

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Role
from certify.assessments import papers, results, services
from certify.assessments.forms import SubmitAttemptForm, answers_from_form, input_name
from certify.assessments.models import QuizAttempt
from certify.cohorts.enrolments import find_enrolment
from certify.cohorts.models import Cohort, EnrolmentStatus
from certify.cohorts.services import get_cohort
from certify.core import transactions
from certify.core.clock import utcnow
from certify.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from certify.extensions import db
from certify.programmes.models import Module
from certify.programmes.services import get_module_by_code

blp = Blueprint("assessments", __name__)


# --- helpers -----------------------------------------------------------------------------------

def _enrolled_cohort(cohort_id: int) -> Cohort:
    """The cohort, if the signed-in official is actively enrolled in it (404 otherwise)."""
    cohort = db.session.get(Cohort, cohort_id)
    enrolment = find_enrolment(cohort, current_person()) if cohort else None
    if enrolment is None or enrolment.status is not EnrolmentStatus.ACTIVE:
        raise NotFound(_("You are not enrolled in this cohort."))
    return cohort


def _module_quiz(cohort: Cohort, code: str):
    module = get_module_by_code(cohort.programme, code)
    if not module.is_virtual:
        raise NotFound(_("Module %(code)s has no quiz.", code=module.code))
    return module, services.quiz_of_module(module)


def _own_attempt(attempt_id: int) -> QuizAttempt:
    """The signed-in person's attempt (404 for anyone else's), scored first if its time ran out."""
    person = current_person()
    attempt = services.get_attempt(attempt_id, of=person)
    if not services.can_take_quiz(person, attempt.quiz):
        raise PermissionDenied(_("You are no longer enrolled in this programme."))
    # Shown scored at once; stored by a POST's unit of work, or by the scheduled close of
    # expired attempts (a GET only reads).
    services.close_expired_attempts(utcnow(), quiz=attempt.quiz, person=person)
    return attempt


def _module_url(attempt: QuizAttempt, endpoint: str = "progress.module") -> str | None:
    """The module's page (or quiz intro) in the cohort the person follows the programme in."""
    module = attempt.quiz.module
    enrolment = services.active_enrolment_in_programme(attempt.person, module.programme_id)
    if enrolment is None:
        return None
    return url_for(endpoint, cohort_id=enrolment.cohort_id, code=module.code)


def _staff_cohort(cohort_id: int) -> Cohort:
    cohort = get_cohort(cohort_id)
    if not services.can_see_cohort_results(current_person(), cohort):
        raise PermissionDenied(_("Only the cohort's tutors and the programme managers can see "
                                 "its quiz results."))
    return cohort


@blp.app_context_processor
def _quiz_helpers():
    def quiz_call_to_action(cohort: Cohort, module: Module):
        """For the module page: the official's standing on the module's quiz, or None."""
        if not (cohort and module.is_virtual and current_user.is_authenticated):
            return None
        try:
            quiz = services.quiz_of_module(module)
        except NotFound:
            return None
        return {"quiz": quiz, "result": results.quiz_result(quiz, current_person()),
                "url": url_for("assessments.quiz", cohort_id=cohort.id, code=module.code)}

    return {"quiz_call_to_action": quiz_call_to_action, "option_label": papers.option_label,
            "any_untranslated": papers.any_untranslated}


# --- an official's quiz ------------------------------------------------------------------------

@blp.get("/my-programme/<int:cohort_id>/modules/<code>/quiz")
@require_role(Role.OFFICIAL)
def quiz(cohort_id: int, code: str):
    cohort = _enrolled_cohort(cohort_id)
    module, quiz = _module_quiz(cohort, code)
    person = current_person()
    services.close_expired_attempts(utcnow(), quiz=quiz, person=person)  # see _own_attempt
    attempts = services.attempts_of(quiz, person)
    open_attempt = next((a for a in attempts if not a.is_submitted), None)
    return render_template(
        "assessments/quiz.html", cohort=cohort, module=module, quiz=quiz, attempts=attempts,
        result=results.summarise(attempts, counting=quiz.counting_attempt,
                                 max_attempts=quiz.max_attempts),
        open_attempt=open_attempt,
        refusal=None if open_attempt else services.why_no_new_attempt(quiz, attempts),
    )


@blp.post("/my-programme/<int:cohort_id>/modules/<code>/quiz/attempts")
@require_role(Role.OFFICIAL)
def start(cohort_id: int, code: str):
    cohort = _enrolled_cohort(cohort_id)
    _module, quiz = _module_quiz(cohort, code)
    with transactions.attempt(catch=Conflict) as outcome:
        attempt = services.start_attempt(quiz, current_person(), now=utcnow())
    if not outcome.succeeded:
        return redirect(url_for("assessments.quiz", cohort_id=cohort.id, code=code), 303)
    return redirect(url_for("assessments.attempt", attempt_id=attempt.id), 303)


def _render_attempt(attempt: QuizAttempt, form: SubmitAttemptForm, *, errors=None,
                    message: str | None = None, status: int = 200):
    return render_template(
        "assessments/attempt.html", attempt=attempt, quiz=attempt.quiz,
        paper=papers.attempt_paper(attempt), form=form, errors=errors or {}, message=message,
        input_name=input_name, seconds_left=papers.seconds_left(attempt),
        module_url=_module_url(attempt),
    ), status


@blp.get("/attempts/<int:attempt_id>")
@require_role()
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.is_submitted:
        return redirect(url_for("assessments.result", attempt_id=attempt.id))
    return _render_attempt(attempt, SubmitAttemptForm(formdata=None, token=attempt.token))


@blp.post("/attempts/<int:attempt_id>/submit")
@require_role()
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.is_submitted:  # sent twice, or after the time ran out: the score stands
        flash(_("This attempt was already submitted; here is its result."), "info")
        return redirect(url_for("assessments.result", attempt_id=attempt.id), 303)
    form = SubmitAttemptForm()
    if not form.validate_on_submit() or not hmac.compare_digest(form.token.data or "",
                                                                attempt.token):
        return _render_attempt(attempt, form, status=422, message=_(
            "This page does not belong to this attempt any more. Reload it and try again."))
    paper = papers.attempt_paper(attempt)
    with transactions.attempt(catch=ValidationError, on_error=lambda _error: None) as outcome:
        services.submit_attempt(attempt, answers_from_form(request.form, paper), now=utcnow())
    if not outcome.succeeded:
        errors = {field.removeprefix("answers."): messages
                  for field, messages in outcome.error.errors.items()}
        return _render_attempt(attempt, form, errors=errors, status=422, message=_(
            "Some answers could not be read. Check the questions marked below."))
    return redirect(url_for("assessments.result", attempt_id=attempt.id), 303)


@blp.get("/attempts/<int:attempt_id>/result")
@require_role()
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if not attempt.is_submitted:
        return redirect(url_for("assessments.attempt", attempt_id=attempt.id))
    disclosure = papers.disclosure_of(attempt)
    return render_template(
        "assessments/result.html", attempt=attempt, quiz=attempt.quiz, disclosure=disclosure,
        review=papers.attempt_review(attempt, disclosure), module_url=_module_url(attempt),
        quiz_url=_module_url(attempt, "assessments.quiz"),
    )


# --- staff: a cohort's results -----------------------------------------------------------------

@blp.get("/cohorts/<int:cohort_id>/quizzes")
@require_role(Role.MANAGER, Role.TUTOR)
def cohort_quizzes(cohort_id: int):
    cohort = _staff_cohort(cohort_id)
    return render_template("assessments/cohort_quizzes.html", cohort=cohort,
                           summaries=results.cohort_quiz_summaries(cohort))


@blp.get("/cohorts/<int:cohort_id>/quizzes/<int:quiz_id>/results")
@require_role(Role.MANAGER, Role.TUTOR)
def cohort_results(cohort_id: int, quiz_id: int):
    cohort = _staff_cohort(cohort_id)
    quiz = services.get_quiz(quiz_id)
    if quiz.module.programme_id != cohort.programme_id:
        raise NotFound(_("This quiz is not part of the cohort's programme."))
    return render_template("assessments/cohort_results.html", cohort=cohort, quiz=quiz,
                           rows=results.cohort_quiz_table(cohort, quiz))
