"""Where each official stands in their programmes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from certify.accounts.models import Person
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.extensions import db
from certify.programmes.models import Programme


def active_enrolments(person: Person) -> list[Enrolment]:
    """The person's active enrolments, with cohort, programme and modules loaded."""
    return list(db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.person_id == person.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .options(selectinload(Enrolment.cohort).selectinload(Cohort.programme)
                 .selectinload(Programme.modules))
        .order_by(Enrolment.enrolled_at.desc())
    ))
