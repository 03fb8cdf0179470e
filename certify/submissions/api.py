"""JSON API for group prototypes, their files and their grades (/api/v1).

Each endpoint owns its transaction: services flush, the endpoint commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.core.errors import ValidationError
from certify.core.http import paginate_api
from certify.core.i18n import localized
from certify.core.rest import ApiErrorSchema, documents_errors, unit_of_work
from certify.extensions import db
from certify.submissions import adjusting, grading
from certify.submissions.downloads import send_submission_file
from certify.submissions.files import IncomingFile
from certify.submissions.models import PrototypeGrade, PrototypeSubmission, Rubric
from certify.submissions.permissions import can_grade
from certify.submissions.queue import grading_queue
from certify.submissions.schemas import (
    GradeInputSchema,
    GradeSchema,
    PrototypeCreateSchema,
    QueueEntrySchema,
    QueueQuerySchema,
    ReopenSchema,
    SubmissionSchema,
)
from certify.submissions.submitting import (
    TEXT_FIELDS,
    get_file,
    get_submission,
    get_visible_group,
    get_visible_submission,
    submit_prototype,
    versions_of,
)


class _MultipartParser(FlaskParser):
    """Reads a multipart body's fields and files into one schema (location ``files``), so
    text fields and uploads are validated, and their errors reported, together."""

    __location_map__ = dict(FlaskParser.__location_map__, files="load_form_and_files")

    def load_form_and_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _MultipartParser()


blp = _Blueprint("submissions_api", __name__, url_prefix="/api/v1")

STAFF = (Role.TUTOR, Role.MANAGER)


# --- documents ---------------------------------------------------------------------------------

def _person(person: Person) -> dict:
    return {"id": person.id, "given_names": person.given_names,
            "family_names": person.family_names}


def _adjustment(adjustment) -> dict:
    return {"person": _person(adjustment.person), "percent": adjustment.percent,
            "reason": adjustment.reason, "adjusted_at": adjustment.adjusted_at}


def _grade(grade: PrototypeGrade, viewer: Person, *, staff: bool,
           rubric: Rubric | None = None) -> dict:
    rubric = rubric or grading.rubric_of(grade.submission.group.cohort.programme)
    criteria = {criterion.id: criterion for criterion in (rubric.criteria if rubric else [])}
    scores = []
    for score in sorted(grade.scores, key=lambda s: criteria[s.criterion_id].position):
        criterion = criteria[score.criterion_id]
        level = criterion.level(score.points) or {}
        scores.append({"criterion": criterion.key, "title": localized(criterion.title),
                       "weight": criterion.weight, "points": score.points,
                       "level": localized(level.get("title"))})
    own = grade.adjustment_for(viewer) if grade.released else None
    return {
        "id": grade.id, "submission_id": grade.submission_id, "status": grade.status,
        "percent": grade.percent, "feedback": grade.feedback, "released_at": grade.released_at,
        "scores": scores, "own_adjustment": _adjustment(own) if own else None,
        "adjustments": [_adjustment(a) for a in grade.adjustments] if staff else [],
    }


def _documents(submissions: list[PrototypeSubmission], viewer: Person) -> list[dict]:
    """Versions of one group as ``viewer`` may see them: grades for staff, or once released."""
    if not submissions:
        return []
    cohort = submissions[0].group.cohort
    staff = can_grade(viewer, cohort)
    rubric = grading.rubric_of(cohort.programme)
    return [_document(submission, viewer, staff=staff, rubric=rubric)
            for submission in submissions]


def _document(submission: PrototypeSubmission, viewer: Person, *, staff: bool,
              rubric: Rubric | None) -> dict:
    grade = submission.grade
    shown = grade is not None and (grade.released or staff)
    document = {name: getattr(submission, name) for name in TEXT_FIELDS}
    document.update({
        "id": submission.id, "group": {"id": submission.group.id, "name": submission.group.name},
        "version": submission.version, "submitted_by": _person(submission.submitted_by),
        "submitted_at": submission.submitted_at, "late": submission.late,
        "files": [{"id": f.id, "label": f.label, "kind": f.kind, "media_type": f.media_type,
                   "size": f.size, "sha256": f.sha256,
                   "download_url": url_for("submissions_api.download_file",
                                           submission_id=submission.id, file_id=f.id)}
                  for f in submission.files],
        "grade": _grade(grade, viewer, staff=staff, rubric=rubric) if shown else None,
    })
    return document


# --- submissions -------------------------------------------------------------------------------

@blp.route("/groups/<int:group_id>/submissions", methods=["GET"], tags=["Prototypes and grading"])
@blp.response(200, SubmissionSchema(many=True))
@documents_errors(blp, 401, 403, 404)
@require_role()
def list_submissions(group_id: int):
    """Every version of a group's prototype, newest first (members, its tutors, managers)."""
    person = current_person()
    return _documents(versions_of(get_visible_group(person, group_id)), person)


@blp.route("/groups/<int:group_id>/submissions", methods=["POST"], tags=["Prototypes and grading"])
@blp.arguments(PrototypeCreateSchema, location="files", unknown=RAISE)
@blp.response(201, SubmissionSchema)
@documents_errors(blp, 401, 403, 404, 413, 415)
@require_role()
def create_submission(data: dict, group_id: int):
    """Submit a new version of the group's prototype, with files (current members only).

    After the cohort's deadline it is still accepted and marked late. Files are
    checked by their content; one file that is too large (413), of a type not
    accepted (415) or empty (422) and nothing is kept.
    """
    group = get_visible_group(current_person(), group_id)
    files = [IncomingFile(storage.filename or "", storage.stream) for storage in data.pop("files")]
    with unit_of_work():
        submission = submit_prototype(group, by=current_person(), files=files, **data)
    return _documents([submission], current_person())[0]


@blp.route("/submissions/<int:submission_id>", methods=["GET"], tags=["Prototypes and grading"])
@blp.response(200, SubmissionSchema)
@documents_errors(blp, 401, 403, 404)
@require_role()
def get_one_submission(submission_id: int):
    """One version with its files, and its grade when you may see it."""
    person = current_person()
    return _documents([get_visible_submission(person, submission_id)], person)[0]


@blp.route("/submissions/<int:submission_id>/files/<int:file_id>", methods=["GET"],
           tags=["Prototypes and grading"])
@blp.doc(responses={"200": {
    "description": "The file, as an attachment of the type detected from its content.",
    "content": {"application/octet-stream": {"schema": {"type": "string",
                                                        "format": "binary"}}}}})
@documents_errors(blp, 401, 403, 404)
@require_role()
def download_file(submission_id: int, file_id: int):
    """Download an attached file (members, the cohort's tutors, managers)."""
    submission = get_visible_submission(current_person(), submission_id)
    return send_submission_file(get_file(submission, file_id))


# --- grading -----------------------------------------------------------------------------------

@blp.route("/grading-queue", methods=["GET"], tags=["Prototypes and grading"])
@blp.arguments(QueueQuerySchema, location="query")
@blp.response(200, QueueEntrySchema(many=True))
@blp.paginate()
@documents_errors(blp, 401, 403)
@require_role(*STAFF)
def list_grading_queue(args: dict, pagination_parameters):
    """The latest version of each group's prototype you grade: ungraded, drafts, released."""
    return paginate_api(grading_queue(current_person(), **args), pagination_parameters)


def _people(ids: list[int]) -> dict[int, Person]:
    found = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))}
    missing = [ident for ident in ids if ident not in found]
    if missing:
        message = _("There is no person with id %(ids)s.", ids=", ".join(map(str, missing)))
        raise ValidationError(message, errors={"adjustments": [message]})
    return found


@blp.route("/submissions/<int:submission_id>/grade", methods=["PUT"], tags=["Prototypes and grading"])
@blp.arguments(GradeInputSchema)
@blp.response(200, GradeSchema)
@documents_errors(blp, 401, 403, 404, 409)
@require_role(*STAFF)
def put_grade(data: dict, submission_id: int):
    """Save the draft grade of a version (the cohort's tutors, managers); 409 once released."""
    submission = get_submission(submission_id)
    person = current_person()
    grading.check_can_grade(person, submission)
    wanted = data.get("adjustments")
    people = _people([item["person_id"] for item in wanted]) if wanted else {}
    with unit_of_work():
        grade = grading.save_draft(submission, by=person, scores=data["scores"],
                                   feedback=data["feedback"])
        if wanted is not None:
            adjusting.replace_adjustments(grade, {
                people[item["person_id"]]: (item["percent"], item["reason"]) for item in wanted
            }, by=person)
    return _grade(grade, person, staff=True)


@blp.route("/grades/<int:grade_id>/release", methods=["POST"], tags=["Prototypes and grading"])
@blp.response(200, GradeSchema)
@blp.alt_response(422, schema=ApiErrorSchema, description="A criterion has no level yet.")
@documents_errors(blp, 401, 403, 404, 409)
@require_role(*STAFF)
def release(grade_id: int):
    """Release a complete draft: final, and visible to the members; 409 if already released."""
    grade = grading.get_grade(grade_id)
    with unit_of_work():
        grading.release_grade(grade, by=current_person())
    return _grade(grade, current_person(), staff=True)


@blp.route("/grades/<int:grade_id>/reopen", methods=["POST"], tags=["Prototypes and grading"])
@blp.arguments(ReopenSchema)
@blp.response(200, GradeSchema)
@documents_errors(blp, 401, 403, 404, 409)
@require_role(Role.MANAGER)
def reopen(data: dict, grade_id: int):
    """Reopen a released grade as a draft, with a reason kept in the audit log (managers)."""
    grade = grading.get_grade(grade_id)
    with unit_of_work():
        grading.reopen_grade(grade, by=current_person(), reason=data["reason"])
    return _grade(grade, current_person(), staff=True)
