"""Grades back to the platform's gradebook (LTI Assignment and Grade Services 2.0).

When a quiz attempt is scored or a prototype grade released, :func:`record_scores` writes a
``GradeSync`` row per person and gradebook column (newest score wins, a late event never
replaces a newer one); :func:`push_score` sends one row's score with the score's own
timestamp, finding or creating the column first. Failures keep the platform's answer and a
next attempt with back-off; after ``MAX_ATTEMPTS`` the row is failed until a manager retries
it. The job ``lti.push_scores`` (``certify.lti.jobs``) runs the pushes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import requests
import sqlalchemy as sa
from flask_babel import gettext as _
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.utils import add_param_to_url
from sqlalchemy.orm import contains_eager, selectinload

from certify.accounts.models import Person
from certify.assessments.models import Quiz
from certify.assessments.results import quiz_result
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.core.clock import utcnow
from certify.core.jobs import retry_delay
from certify.core.lookups import get_or_not_found
from certify.extensions import db
from certify.lti.connector import PlatformConnector, platform_answer
from certify.lti.errors import PlatformError
from certify.lti.models import (
    GradeSync,
    LtiContext,
    LtiLineItem,
    LtiPlatform,
    LtiUser,
    SyncStatus,
)
from certify.lti.services import line_item_label
from certify.programmes.models import Module
from certify.submissions.models import PrototypeGrade
from certify.submissions.results import prototype_results

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READ_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
MAX_ATTEMPTS = 8
SCORE_MAXIMUM = Decimal(100)  # certify grades in percent; the columns are out of 100
# Answers worth trying again: the platform is down or busy, or the request timed out.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Score:
    """A person's score for one graded thing, as of ``at``."""

    person_id: int
    given: Decimal
    at: datetime
    maximum: Decimal = SCORE_MAXIMUM
    activity: str = "Completed"
    grading: str = "FullyGraded"


# --- recording ---------------------------------------------------------------------------------

def _linked_contexts(cohort_ids: list[int]) -> list[LtiContext]:
    """The courses of active platforms linked to these cohorts, with what the rows need."""
    return list(db.session.scalars(
        sa.select(LtiContext).join(LtiContext.platform)
        .where(LtiContext.cohort_id.in_(cohort_ids), LtiPlatform.active)
        .options(contains_eager(LtiContext.platform),
                 selectinload(LtiContext.cohort).selectinload(Cohort.programme))))


def _platform_users(contexts: list[LtiContext],
                    person_ids: Iterable[int]) -> dict[tuple[str, int], LtiUser]:
    """``{(issuer, person id): LtiUser}``: who each platform knows these people as."""
    return {(user.issuer, user.person_id): user for user in db.session.scalars(
        sa.select(LtiUser).where(
            LtiUser.person_id.in_(list(person_ids)),
            LtiUser.issuer.in_({context.platform.issuer for context in contexts})))}


def _columns(contexts: list[LtiContext], resource_id: str) -> dict[int, LtiLineItem]:
    """``{context id: LtiLineItem}`` of the gradebook column for ``resource_id`` known so far."""
    return {item.context_id: item for item in db.session.scalars(sa.select(LtiLineItem).where(
        LtiLineItem.context_id.in_([context.id for context in contexts]),
        LtiLineItem.resource_id == resource_id))}


def _rows_wanted(contexts: list[LtiContext], resource_id: str, scores: dict[int, Score]
                 ) -> list[tuple[LtiLineItem, LtiUser, Score]]:
    """(column, platform user, score) for each person each course's platform knows; a
    column not seen yet is recorded without its URL, to be found or created when sent."""
    users = _platform_users(contexts, scores)
    items = _columns(contexts, resource_id)
    wanted: list[tuple[LtiLineItem, LtiUser, Score]] = []
    for context in contexts:
        for person_id, score in scores.items():
            user = users.get((context.platform.issuer, person_id))
            if user is None:
                continue
            item = items.get(context.id)
            if item is None:
                item = LtiLineItem(context=context, resource_id=resource_id,
                                   label=line_item_label(resource_id, context.cohort.programme),
                                   score_maximum=SCORE_MAXIMUM)
                db.session.add(item)
                items[context.id] = item
            wanted.append((item, user, score))
    return wanted


def _write_rows(wanted: list[tuple[LtiLineItem, LtiUser, Score]],
                person_ids: Iterable[int]) -> list[GradeSync]:
    """Create or update the ``GradeSync`` rows, newest score winning; the rows now pending."""
    existing = {(sync.line_item_id, sync.person_id): sync for sync in db.session.scalars(
        sa.select(GradeSync).where(
            GradeSync.line_item_id.in_({item.id for item, _user, _score in wanted}),
            GradeSync.person_id.in_(list(person_ids))))}
    now = utcnow()
    created, changed, pending = [], [], []
    for item, user, score in wanted:
        values = {"score_given": score.given, "score_maximum": score.maximum,
                  "scored_at": score.at, "activity_progress": score.activity,
                  "grading_progress": score.grading, "status": SyncStatus.PENDING,
                  "attempts": 0, "next_attempt_at": now, "last_error": "", "updated_at": now}
        sync = existing.get((item.id, score.person_id))
        if sync is None:
            created.append({**values, "line_item_id": item.id, "person_id": score.person_id,
                            "lti_user_id": user.id, "created_at": now})
        elif score.at >= sync.scored_at:  # else a late event: a newer score is recorded
            changed.append({**values, "id": sync.id})
            pending.append(sync)
    # Bulk statements: a cohort's grades cost the same few queries as one person's.
    if changed:
        db.session.execute(sa.update(GradeSync), changed)
        for sync in pending:
            db.session.expire(sync)  # bulk updates leave loaded objects as they were
    if created:
        pending += db.session.scalars(sa.insert(GradeSync).returning(GradeSync), created).all()
    return pending


def record_scores(cohort_ids: Iterable[int], resource_id: str,
                  scores: Iterable[Score]) -> list[GradeSync]:
    """Queue ``scores`` for the gradebooks of the courses linked to ``cohort_ids``.

    Only people who came from that course's platform get a row (the platform needs their
    user id). Returns the rows now pending. A fixed number of queries, whatever the number
    of people.
    """
    scores = {score.person_id: score for score in scores}
    cohort_ids = list(dict.fromkeys(cohort_ids))
    if not scores or not cohort_ids:
        return []
    contexts = _linked_contexts(cohort_ids)
    if not contexts:
        return []
    wanted = _rows_wanted(contexts, resource_id, scores)
    if not wanted:
        return []
    db.session.flush()
    return _write_rows(wanted, scores)


def record_quiz_result(quiz: Quiz, person: Person, *, at: datetime) -> list[GradeSync]:
    """Queue ``person``'s result on ``quiz`` (its counting attempt) for their courses."""
    if not db.session.scalar(sa.select(sa.exists().where(LtiUser.person_id == person.id))):
        return []  # never launched from a platform: nothing to send (and one query spent)
    result = quiz_result(quiz, person)
    if result.percent is None:
        return []
    cohort_ids = db.session.scalars(
        sa.select(Enrolment.cohort_id).join(Enrolment.cohort)
        .join(Module, Module.programme_id == Cohort.programme_id)
        .where(Enrolment.person_id == person.id, Enrolment.status == EnrolmentStatus.ACTIVE,
               Module.id == quiz.module_id)).all()
    return record_scores(cohort_ids, f"quiz:{quiz.module.code}",
                         [Score(person.id, Decimal(result.percent), at)])


def record_prototype_grade(grade: PrototypeGrade, members: Iterable[Person]) -> list[GradeSync]:
    """Queue each member's released prototype result (with their adjustment, if any)."""
    cohort = grade.submission.group.cohort
    if not db.session.scalar(sa.select(sa.exists().where(LtiContext.cohort_id == cohort.id))):
        return []  # a cohort no platform course is linked to
    results = prototype_results(cohort)
    at = grade.released_at or utcnow()
    scores = [Score(member.id, Decimal(results[member.id].percent), at) for member in members
              if member.id in results and results[member.id].percent is not None]
    return record_scores([cohort.id], "project", scores)


# --- sending -----------------------------------------------------------------------------------

def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _service(context: LtiContext, connector: PlatformConnector,
             lineitems_url: str | None = None) -> AssignmentsGradesService:
    return AssignmentsGradesService(connector, {
        "scope": list(context.ags_scopes or []),
        "lineitems": lineitems_url or context.lineitems_url or ""})


def _column_url(item: LtiLineItem, connector: PlatformConnector) -> str:
    """The platform's URL of the column: known, found by its resource id, or created."""
    item = db.session.scalar(sa.select(LtiLineItem).where(LtiLineItem.id == item.id)
                             .with_for_update())  # one creator per column at a time
    if item.url:
        return item.url
    context = item.context
    scopes = set(context.ags_scopes or [])
    if not context.lineitems_url:
        raise PlatformError(_("The course has not given certify its gradebook columns "
                              "(no AGS line items endpoint)."), retryable=False)
    if scopes & {LINEITEM_SCOPE, LINEITEM_READ_SCOPE}:
        filtered = add_param_to_url(context.lineitems_url, "resource_id", item.resource_id)
        found = _service(context, connector, filtered).find_lineitem_by_resource_id(
            item.resource_id)
        if found is not None and found.get_id():
            item.url = found.get_id()
            return item.url
    if LINEITEM_SCOPE not in scopes:
        raise PlatformError(_("The course has no gradebook column for %(label)s and does not "
                              "let certify create one.", label=item.label), retryable=False)
    column = (LineItem().set_label(item.label).set_score_maximum(float(item.score_maximum))
              .set_resource_id(item.resource_id).set_tag(f"certify-{item.resource_id}"))
    created = connector.make_service_request(
        list(scopes), context.lineitems_url, is_post=True, data=column.get_value(),
        content_type=LINEITEM_TYPE, accept=LINEITEM_TYPE)
    body = created["body"]
    if not isinstance(body, dict) or not body.get("id"):
        raise PlatformError(_("The platform created the column but did not say its id."),
                            answer=str(body)[:500], retryable=False)
    item.url = body["id"]
    return item.url


def push_score(sync: GradeSync, *, now: datetime | None = None) -> GradeSync:
    """Send the row's score to its column; record how it went (never raises for the platform).

    On success the row is sent, unless a newer score arrived meanwhile (then it stays
    pending and the newer one goes next). On failure it keeps the platform's answer and
    is tried again later with back-off, or fails for good after ``MAX_ATTEMPTS`` or when
    trying again cannot help (the course refuses certify the gradebook, say).
    """
    now = now or utcnow()
    sent_score_at = sync.scored_at
    context = sync.line_item.context
    try:
        if not context.platform.active:
            raise PlatformError(_("The platform %(name)s is not active in certify.",
                                  name=context.platform.name), retryable=False)
        if SCORE_SCOPE not in (context.ags_scopes or []):
            raise PlatformError(_("The course does not let certify send scores (the AGS score "
                                  "scope was not granted)."), retryable=False)
        connector = PlatformConnector(context.platform)
        url = _column_url(sync.line_item, connector)
        grade = (Grade().set_score_given(float(sync.score_given))
                 .set_score_maximum(float(sync.score_maximum))
                 .set_activity_progress(sync.activity_progress)
                 .set_grading_progress(sync.grading_progress)
                 .set_timestamp(_timestamp(sent_score_at))
                 .set_user_id(sync.lti_user.subject))
        _service(context, connector).put_grade(grade, LineItem({"id": url}))
    except LtiServiceException as error:
        status = error.response.status_code
        return _failed(sync, now, platform_answer(error.response),
                       retryable=status in RETRYABLE_STATUSES)
    except requests.RequestException as error:
        return _failed(sync, now, _("The platform could not be reached: %(error)s",
                                    error=str(error)[:500]), retryable=True)
    except PlatformError as error:
        answer = f"{error.message} {error.answer}".strip()
        return _failed(sync, now, answer, retryable=error.retryable)
    except LtiException as error:
        return _failed(sync, now, str(error)[:1000], retryable=False)
    db.session.flush()
    # Conditional: a newer score recorded since this one was read must still be sent.
    db.session.execute(
        sa.update(GradeSync)
        .where(GradeSync.id == sync.id, GradeSync.scored_at == sent_score_at)
        .values(status=SyncStatus.SENT, sent_at=now, last_attempt_at=now, last_error="",
                attempts=GradeSync.attempts + 1, next_attempt_at=None, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(sync)
    return sync


def _failed(sync: GradeSync, now: datetime, answer: str, *, retryable: bool) -> GradeSync:
    sync.attempts += 1
    sync.last_attempt_at = now
    sync.last_error = answer or _("The platform gave no answer.")
    if retryable and sync.attempts < MAX_ATTEMPTS:
        sync.status = SyncStatus.PENDING
        sync.next_attempt_at = now + retry_delay(sync.attempts)
    else:
        sync.status = SyncStatus.FAILED
        sync.next_attempt_at = None
    db.session.flush()
    return sync


# --- what managers see and do -------------------------------------------------------------------

def get_grade_sync(sync_id: int) -> GradeSync:
    return get_or_not_found(
        GradeSync, sync_id, _("There is no grade transfer with id %(id)s.", id=sync_id))


def due_grade_syncs(now: datetime | None = None, *, limit: int = 200) -> list[int]:
    """Ids of the pending rows whose (next) attempt is due, oldest first."""
    now = now or utcnow()
    return list(db.session.scalars(
        sa.select(GradeSync.id)
        .where(GradeSync.status == SyncStatus.PENDING,
               sa.or_(GradeSync.next_attempt_at.is_(None), GradeSync.next_attempt_at <= now))
        .order_by(GradeSync.next_attempt_at, GradeSync.id).limit(limit)))


def retry_grade_sync(sync: GradeSync, *, now: datetime | None = None) -> GradeSync:
    """Make a failed (or waiting) row due again, with a fresh count of attempts."""
    if sync.status is SyncStatus.SENT:
        return sync
    sync.status, sync.attempts, sync.next_attempt_at = SyncStatus.PENDING, 0, now or utcnow()
    db.session.flush()
    return sync


def retry_failed_grade_syncs(*, now: datetime | None = None) -> list[int]:
    """Make every failed row due again; returns their ids."""
    ids = list(db.session.scalars(sa.select(GradeSync.id).where(
        GradeSync.status == SyncStatus.FAILED)))
    if ids:
        db.session.execute(
            sa.update(GradeSync).where(GradeSync.id.in_(ids))
            .values(status=SyncStatus.PENDING, attempts=0, next_attempt_at=now or utcnow())
            .execution_options(synchronize_session=False))
    return ids


def grade_syncs_query(status: SyncStatus | str | None = None) -> sa.Select:
    """Rows for the managers' page, newest activity first, with what the page shows loaded."""
    query = (sa.select(GradeSync)
             .options(selectinload(GradeSync.person),
                      selectinload(GradeSync.line_item).selectinload(LtiLineItem.context)
                      .selectinload(LtiContext.platform))
             .order_by(GradeSync.updated_at.desc(), GradeSync.id.desc()))
    if status:
        query = query.where(GradeSync.status == SyncStatus(status))
    return query


def grade_sync_counts() -> dict[SyncStatus, int]:
    rows = db.session.execute(sa.select(GradeSync.status, sa.func.count(GradeSync.id))
                              .group_by(GradeSync.status)).all()
    counts = dict.fromkeys(SyncStatus, 0)
    counts.update({SyncStatus(status): count for status, count in rows})
    return counts
