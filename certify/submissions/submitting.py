"""Submitting a group's prototype: a new version each time, files checked before anything is kept.

Before the cohort's deadline a submission is a new version; after it, it is
still accepted and marked late. Every version is kept and every member sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from certify.accounts.models import Person
from certify.cohorts.models import Cohort, GroupMembership, ProjectGroup
from certify.core.clock import utcnow
from certify.core.errors import PermissionDenied, ValidationError
from certify.core.lookups import get_or_not_found
from certify.extensions import db
from certify.submissions.files import IncomingFile, check_files, store
from certify.submissions.models import (
    MemberAdjustment,
    PrototypeGrade,
    PrototypeSubmission,
    SubmissionFile,
)
from certify.submissions.permissions import can_see_group_work, can_submit

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 10_000
# The texts of a version, in the order a person reads them; all are required.
TEXT_FIELDS = {
    "title": _l("Title"),
    "problem": _l("Public problem addressed"),
    "audience": _l("Who it serves"),
    "discover": _l("Discover: evidence"),
    "define": _l("Define: evidence"),
    "develop": _l("Develop: evidence"),
    "deliver": _l("Deliver: evidence"),
    "description": _l("Description of the prototype"),
}


def get_group(group_id: int) -> ProjectGroup:
    """The group with this id, or ``NotFound``."""
    return get_or_not_found(
        ProjectGroup, group_id, _("There is no group with id %(id)d.", id=group_id))


def get_submission(submission_id: int) -> PrototypeSubmission:
    """The version with this id, or ``NotFound``."""
    return get_or_not_found(
        PrototypeSubmission, submission_id,
        _("There is no prototype submission with id %(id)d.", id=submission_id))


def get_visible_group(person: Person, group_id: int) -> ProjectGroup:
    """The group, if ``person`` may see its work; ``PermissionDenied`` otherwise."""
    group = get_group(group_id)
    if not can_see_group_work(person, group):
        raise PermissionDenied(_("Only the group's members, the cohort's tutors and the "
                                 "managers can see this prototype."))
    return group


def get_visible_submission(person: Person, submission_id: int) -> PrototypeSubmission:
    """The version, if ``person`` may see its group's work; ``PermissionDenied`` otherwise."""
    submission = get_submission(submission_id)
    get_visible_group(person, submission.group_id)
    return submission


def get_file(submission: PrototypeSubmission, file_id: int) -> SubmissionFile:
    """A file of ``submission``, or ``NotFound`` (also for a file of another submission)."""
    return get_or_not_found(
        SubmissionFile, file_id, _("This submission has no such file."),
        visible=lambda attached: attached.submission_id == submission.id)


def current_groups_of(person: Person) -> list[ProjectGroup]:
    """The groups ``person`` is in now (one per cohort at most), newest cohort first."""
    return list(db.session.scalars(
        sa.select(ProjectGroup)
        .join(GroupMembership, GroupMembership.group_id == ProjectGroup.id)
        .join(Cohort, Cohort.id == ProjectGroup.cohort_id)
        .where(GroupMembership.person_id == person.id, GroupMembership.left_at.is_(None))
        .options(selectinload(ProjectGroup.cohort).selectinload(Cohort.programme))
        .order_by(Cohort.starts_on.desc().nulls_last(), Cohort.id.desc())
    ))


def versions_of(group: ProjectGroup) -> list[PrototypeSubmission]:
    """Every version of the group's prototype, newest first, with files and grades loaded."""
    return list(db.session.scalars(
        sa.select(PrototypeSubmission)
        .where(PrototypeSubmission.group_id == group.id)
        .options(selectinload(PrototypeSubmission.files),
                 selectinload(PrototypeSubmission.submitted_by),
                 selectinload(PrototypeSubmission.grade).selectinload(PrototypeGrade.scores),
                 selectinload(PrototypeSubmission.grade).selectinload(PrototypeGrade.adjustments)
                 .selectinload(MemberAdjustment.person))
        .order_by(PrototypeSubmission.version.desc())
    ))


def latest_version(group: ProjectGroup) -> int:
    """The number of the group's latest version (0 before the first)."""
    return db.session.scalar(sa.select(sa.func.max(PrototypeSubmission.version))
                             .where(PrototypeSubmission.group_id == group.id)) or 0


def _clean_texts(texts: dict[str, str | None]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        value = (texts.get(name) or "").strip()
        limit = TITLE_MAX_LENGTH if name == "title" else TEXT_MAX_LENGTH
        if not value:
            errors[name] = [_("This field is required.")]
        elif len(value) > limit:
            errors[name] = [_("At most %(limit)d characters.", limit=limit)]
        cleaned[name] = value
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown prototype fields: {', '.join(sorted(unknown))}")
    if errors:
        fields = ", ".join(str(TEXT_FIELDS[name]) for name in errors)
        raise ValidationError(_("Some fields need attention: %(fields)s.", fields=fields),
                              errors=errors)
    return cleaned


def submit_prototype(group: ProjectGroup, *, by: Person, files: Sequence[IncomingFile] = (),
                     now: datetime | None = None, **texts: str | None) -> PrototypeSubmission:
    """Record a new version of the group's prototype, with its files.

    ``texts`` are the fields of :data:`TEXT_FIELDS`, all required. Raises
    ``PermissionDenied`` if ``by`` is not a current member of the group,
    ``ValidationError`` for a missing or too long text or an empty file,
    ``PayloadTooLarge`` and ``UnsupportedMediaType`` for files (see
    :func:`certify.submissions.files.check_files`). Everything is checked
    before anything is written, so a refused submission leaves no trace.
    ``now`` is when it was handed in (a version recorded after the fact); it decides ``late``.
    """
    if not can_submit(by, group):
        raise PermissionDenied(_("Only the current members of the group can submit its "
                                 "prototype."))
    cleaned = _clean_texts(texts)
    checked = check_files(files)
    # Lock the group's row so two members submitting at once get versions n and n+1.
    db.session.execute(sa.select(ProjectGroup.id).where(ProjectGroup.id == group.id)
                       .with_for_update())
    now = now or utcnow()
    due = group.cohort.project_due_at
    submission = PrototypeSubmission(
        group=group, version=latest_version(group) + 1, submitted_by=by, submitted_at=now,
        late=due is not None and now > due, **cleaned)
    db.session.add(submission)
    for position, item in enumerate(checked, start=1):
        store(item)
        submission.files.append(SubmissionFile(
            position=position, label=item.label, sha256=item.sha256, size=item.size,
            kind=item.file_type.key, media_type=item.file_type.media_type))
    db.session.flush()
    return submission
