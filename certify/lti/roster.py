"""The course roster into the cohort (LTI Names and Role Provisioning Services 2.0).

The whole membership is read first, following ``rel="next"`` links page by page; only then
is anything written. Learners are enrolled (or made active again), instructors become tutors
of the cohort, and enrolments of the platform's users who are no longer active members of
the course are marked inactive, never deleted. People enrolled in certify by other means
(not users of this platform) are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import requests
import sqlalchemy as sa
from flask_babel import gettext as _
from pylti1p3.exception import LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService

from certify.accounts.models import Person, Role
from certify.cohorts import services as cohorts
from certify.cohorts.enrolments import enrol_many, set_enrolment_status
from certify.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from certify.core.clock import utcnow
from certify.extensions import db
from certify.lti.connector import PlatformConnector, platform_answer
from certify.lti.errors import PlatformError
from certify.lti.models import LtiContext, LtiPlatform, LtiUser
from certify.lti.people import find_lti_users, grant_roles, link_person, map_roles

MAX_PAGES = 1000  # a platform whose "next" links never end must not keep certify busy forever


@dataclass
class RosterReport:
    """What a roster sync did."""

    pages: int = 0
    members: int = 0
    people_created: int = 0
    enrolled: int = 0
    reactivated: int = 0
    tutors: int = 0
    deactivated: int = 0

    def summary(self) -> str:
        return _("%(members)s members read in %(pages)s page(s): %(created)s new people, "
                 "%(enrolled)s enrolled, %(reactivated)s active again, %(tutors)s tutors, "
                 "%(deactivated)s marked inactive.", members=self.members, pages=self.pages,
                 created=self.people_created, enrolled=self.enrolled,
                 reactivated=self.reactivated, tutors=self.tutors,
                 deactivated=self.deactivated)


def fetch_members(context: LtiContext) -> tuple[list[dict], int]:
    """Every member of the course, following the paging links; and the number of pages."""
    if not context.memberships_url:
        raise PlatformError(_("The platform has not shared the course roster with certify yet: "
                              "open certify once from the course as an instructor."),
                            retryable=False)
    service = NamesRolesProvisioningService(PlatformConnector(context.platform),
                                            {"context_memberships_url": context.memberships_url})
    members: list[dict] = []
    url, pages = context.memberships_url, 0
    try:
        while url:
            if pages >= MAX_PAGES:
                raise PlatformError(_("The roster has more than %(pages)s pages; stopped.",
                                      pages=MAX_PAGES), retryable=False)
            page, url = service.get_members_page(url)
            members.extend(member for member in page if isinstance(member, dict))
            pages += 1
    except LtiServiceException as error:
        status = error.response.status_code
        raise PlatformError(_("The platform refused the roster: %(answer)s",
                              answer=platform_answer(error.response)),
                            retryable=status >= 500 or status == 429) from error
    except requests.RequestException as error:
        raise PlatformError(_("The platform could not be reached: %(error)s",
                              error=str(error)[:500])) from error
    return members, pages


def _active_members(members: list[dict]) -> dict[str, tuple[dict, set[Role]]]:
    """``{user id: (member, certify's roles)}`` of the active members certify gives access."""
    active: dict[str, tuple[dict, set[Role]]] = {}
    for member in members:
        subject = member.get("user_id")
        if isinstance(subject, str) and subject and member.get("status", "Active") == "Active":
            roles = map_roles(member.get("roles") or [])
            if roles:
                active[subject] = (member, roles)
    return active


def _link_members(platform: LtiPlatform, active: dict[str, tuple[dict, set[Role]]], *,
                  now: datetime, report: RosterReport) -> tuple[list[Person], list[Person]]:
    """Each active member's person (created on first sight) with their roles granted: the
    learners and the tutors, deactivated accounts left out."""
    known = find_lti_users(platform.issuer, active)
    learners, tutors = [], []
    for subject, (member, roles) in active.items():
        user = link_person(platform, subject, member, now=now, existing=known.get(subject),
                           launched=False)
        if subject not in known and user.created_person:
            report.people_created += 1
        person = user.person
        if not person.active:
            continue
        grant_roles(person, roles)
        if Role.OFFICIAL in roles:
            learners.append(person)
        if Role.TUTOR in roles:
            tutors.append(person)
    db.session.flush()
    return learners, tutors


def _enrol_learners(cohort: Cohort, learners: list[Person], report: RosterReport) -> None:
    """New and inactive learners enrolled; withdrawn is a manager's decision and stays."""
    statuses = dict(db.session.execute(sa.select(Enrolment.person_id, Enrolment.status).where(
        Enrolment.cohort_id == cohort.id,
        Enrolment.person_id.in_([person.id for person in learners]))).all()) if learners else {}
    to_enrol = [person for person in learners
                if statuses.get(person.id) in (None, EnrolmentStatus.INACTIVE)]
    counts = enrol_many(cohort, to_enrol)
    report.enrolled, report.reactivated = counts.created, counts.reactivated


def _assign_tutors(cohort: Cohort, tutors: list[Person], report: RosterReport) -> None:
    for person in tutors:
        if person not in cohort.tutors:
            cohorts.assign_tutor(cohort, person)
            report.tutors += 1


def _deactivate_departed(cohort: Cohort, platform: LtiPlatform, learner_subjects: set[str],
                         report: RosterReport) -> None:
    """The platform's users no longer learners of the course: their enrolments inactive."""
    enrolled = db.session.execute(
        sa.select(Enrolment, LtiUser.subject)
        .join(LtiUser, LtiUser.person_id == Enrolment.person_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE,
               LtiUser.issuer == platform.issuer)).all()
    still_here = {enrolment.id for enrolment, subject in enrolled if subject in learner_subjects}
    for enrolment, _subject in enrolled:
        if enrolment.id not in still_here:
            set_enrolment_status(enrolment, EnrolmentStatus.INACTIVE)
            still_here.add(enrolment.id)  # a person with two platform ids counts once
            report.deactivated += 1


def sync_roster(context: LtiContext, *, now: datetime | None = None) -> RosterReport:
    """Bring the cohort in line with the course's roster; see the module's docstring.

    Raises ``PlatformError`` (nothing written) when the roster cannot be read.
    """
    now = now or utcnow()
    platform, cohort = context.platform, context.cohort
    members, pages = fetch_members(context)
    report = RosterReport(pages=pages, members=len(members))
    active = _active_members(members)
    learners, tutors = _link_members(platform, active, now=now, report=report)
    _enrol_learners(cohort, learners, report)
    _assign_tutors(cohort, tutors, report)
    _deactivate_departed(cohort, platform, {subject for subject, (_member, roles)
                                            in active.items() if Role.OFFICIAL in roles}, report)
    context.roster_synced_at = now
    db.session.flush()
    return report
