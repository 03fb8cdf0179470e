"""A launch, accepted: who launched, from which course and activity, and where they land.

Maps a validated launch's claims to certify: the person and their roles
(``certify.lti.people``), the course (context) to a Cohort through ``LtiContext``, the
activity (resource link) to what it opens through ``LtiResourceLink``
(``certify.lti.targets``), and the course's service endpoints for grades and rosters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from certify.accounts.models import Person, Role
from certify.cohorts import services as cohorts
from certify.cohorts.enrolments import enrol, find_enrolment
from certify.cohorts.models import Cohort, EnrolmentStatus
from certify.core.errors import Conflict
from certify.core.i18n import DEFAULT_LANGUAGE, localized
from certify.extensions import db
from certify.lti.errors import LaunchRefused
from certify.lti.models import LtiContext, LtiLineItem, LtiPlatform, LtiResourceLink, TargetKind
from certify.lti.people import (
    claimed_locale,
    grant_roles,
    is_staff,
    link_person,
    map_roles,
    role_name,
)
from certify.lti.targets import TARGET_PARAMETER, Target, TargetError, landing, parse_target
from certify.programmes.models import Programme

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLES_CLAIM = CLAIM + "roles"
CONTEXT_CLAIM = CLAIM + "context"
RESOURCE_LINK_CLAIM = CLAIM + "resource_link"
CUSTOM_CLAIM = CLAIM + "custom"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


def sole_programme() -> Programme | None:
    """The programme, when certify runs only one."""
    programmes = db.session.scalars(sa.select(Programme).limit(2)).all()
    return programmes[0] if len(programmes) == 1 else None


def programme_of(platform: LtiPlatform) -> Programme | None:
    """The programme the platform's courses belong to: its own, or the only one there is."""
    return platform.programme if platform.programme is not None else sole_programme()


# --- courses and activities --------------------------------------------------------------------

def _cohort_name_free(programme: Programme, name: str) -> bool:
    return db.session.scalar(sa.select(Cohort.id).where(
        Cohort.programme_id == programme.id,
        sa.func.lower(Cohort.name) == name.lower()).limit(1)) is None


def _cohort_for(platform: LtiPlatform, claim: Mapping, programme: Programme) -> Cohort:
    """An unlinked cohort of the programme named like the course, else a new cohort."""
    context_id = str(claim["id"])
    title = str(claim.get("title") or claim.get("label") or "").strip()
    title = (title or f"{platform.name} {context_id}")[:cohorts.NAME_MAX_LENGTH]
    same_name = db.session.scalar(
        sa.select(Cohort).where(Cohort.programme_id == programme.id,
                                sa.func.lower(Cohort.name) == title.lower(),
                                ~sa.exists().where(LtiContext.cohort_id == Cohort.id)).limit(1))
    if same_name is not None:
        return same_name
    label = str(claim.get("label") or "").strip()
    candidates = [title] + [f"{title[:120]} ({suffix[:35]})" for suffix in (label, context_id)
                            if suffix and suffix != title]
    name = next((candidate for candidate in candidates
                 if _cohort_name_free(programme, candidate)), None)
    number = 2
    while name is None:
        candidate = f"{title[:150]} · {number}"
        name = candidate if _cohort_name_free(programme, candidate) else None
        number += 1
    return cohorts.create_cohort(programme, name=name)


def link_context(platform: LtiPlatform, claim: Mapping, programme: Programme) -> LtiContext:
    """The ``LtiContext`` of this course, created (with its cohort) on first sight."""
    context_id = str(claim["id"])[:255]
    context = db.session.scalar(
        sa.select(LtiContext).where(LtiContext.platform_id == platform.id,
                                    LtiContext.context_id == context_id)
        .options(joinedload(LtiContext.cohort)))
    title = str(claim.get("title") or "")[:255]
    label = str(claim.get("label") or "")[:255]
    if context is not None:
        if (context.title, context.label) != (title, label):
            context.title, context.label = title, label
        return context
    try:
        # Two people may open a new course at the same moment: one creates it, the other
        # finds it (the cohort's name or the context's key tells them apart).
        with db.session.begin_nested():
            context = LtiContext(platform=platform, context_id=context_id, title=title,
                                 label=label, cohort=_cohort_for(platform, claim, programme))
            db.session.add(context)
    except (IntegrityError, Conflict):
        concurrent = db.session.scalar(sa.select(LtiContext).where(
            LtiContext.platform_id == platform.id, LtiContext.context_id == context_id))
        if concurrent is None:
            raise
        return concurrent
    return context


def remember_services(context: LtiContext, claims: Mapping) -> None:
    """Keep the course's roster and gradebook endpoints for later (jobs, roster syncs)."""
    nrps = claims.get(NRPS_CLAIM) or {}
    ags = claims.get(AGS_CLAIM) or {}
    memberships = nrps.get("context_memberships_url") if isinstance(nrps, Mapping) else None
    if memberships and context.memberships_url != memberships:
        context.memberships_url = memberships
    if isinstance(ags, Mapping):
        if ags.get("lineitems") and context.lineitems_url != ags["lineitems"]:
            context.lineitems_url = ags["lineitems"]
        scopes = sorted(scope for scope in ags.get("scope") or [] if isinstance(scope, str))
        if scopes and sorted(context.ags_scopes or []) != scopes:
            context.ags_scopes = scopes


def line_item_label(resource_id: str, programme: Programme | None) -> str:
    """A gradebook column's title, in the programme's first language."""
    if resource_id == "project":
        with force_locale(DEFAULT_LANGUAGE):
            return _("Group innovation prototype")
    code = resource_id.partition(":")[2]
    module = next((m for m in (programme.modules if programme else []) if m.code == code), None)
    title = localized(module.title, DEFAULT_LANGUAGE) if module else code
    return f"{code} · {title}"[:255]


def remember_line_item(context: LtiContext, target: Target, claims: Mapping,
                       programme: Programme | None) -> None:
    """The activity's own gradebook column (AGS ``lineitem``) is where its grades go."""
    ags = claims.get(AGS_CLAIM)
    url = ags.get("lineitem") if isinstance(ags, Mapping) else None
    resource_id = target.resource_id
    if not url or resource_id is None:
        return
    item = db.session.scalar(sa.select(LtiLineItem).where(
        LtiLineItem.context_id == context.id, LtiLineItem.resource_id == resource_id))
    if item is None:
        db.session.add(LtiLineItem(context=context, resource_id=resource_id, url=url,
                                   label=line_item_label(resource_id, programme)))
    elif item.url != url:
        item.url = url


def link_resource(context: LtiContext, claim: Mapping, target: Target) -> LtiResourceLink:
    """The ``LtiResourceLink`` of this activity, pointing where its custom parameter says."""
    link_id = str(claim["id"])[:255]
    link = db.session.scalar(sa.select(LtiResourceLink).where(
        LtiResourceLink.context_id == context.id, LtiResourceLink.resource_link_id == link_id))
    title = str(claim.get("title") or "")[:255]
    if link is None:
        link = LtiResourceLink(context=context, resource_link_id=link_id)
        db.session.add(link)
    # The platform is the authority on where an activity points: an edit there applies here.
    if (link.title, link.target_kind, link.module_id) != (
            title, target.kind, target.module.id if target.module else None):
        link.title, link.target_kind, link.module = title, target.kind, target.module
    return link


def place_in_cohort(context: LtiContext, person: Person, roles: set[Role]) -> None:
    """Learners are enrolled in the course's cohort and instructors become its tutors.

    An enrolment a manager marked withdrawn stays withdrawn: the platform only
    (re)activates what it manages.
    """
    cohort = context.cohort
    tutoring = Role.TUTOR in roles and not cohorts.is_tutor_of(person, cohort)
    enrolling = False
    if Role.OFFICIAL in roles:
        enrolment = find_enrolment(cohort, person)
        enrolling = enrolment is None or enrolment.status is EnrolmentStatus.INACTIVE
    if not (tutoring or enrolling):
        return  # the usual launch: nothing to change
    try:
        with db.session.begin_nested():
            if tutoring:
                cohorts.assign_tutor(cohort, person)
            if enrolling:
                enrol(cohort, person)
    except IntegrityError:
        pass  # a simultaneous launch of the same person placed them already


# --- a launch, accepted ------------------------------------------------------------------------

@dataclass(frozen=True)
class LaunchOutcome:
    """Who was signed in by a launch, from which course and activity, and where they go."""

    person: Person
    roles: frozenset[Role]
    context: LtiContext | None
    link: LtiResourceLink | None
    target: Target
    endpoint: str
    values: dict

    @property
    def staff(self) -> bool:
        return is_staff(set(self.roles))


def _roles_with_access(claims: Mapping, *, deep_linking: bool) -> set[Role]:
    """certify's roles for the launch's course roles; refused if none, or if a learner asks to
    add activities."""
    roles = map_roles(claims.get(ROLES_CLAIM) or [])
    if not roles:
        shown = ", ".join(role_name(str(role)) for role in claims.get(ROLES_CLAIM) or []) or "-"
        raise LaunchRefused(_("Your role in this course (%(roles)s) gives no access to certify.",
                              roles=shown[:200]), check="roles")
    if deep_linking and not is_staff(roles):
        raise LaunchRefused(_("Only the course's instructors can add certify activities."),
                            check="roles")
    return roles


def _course_claim(claims: Mapping) -> Mapping | None:
    claim = claims.get(CONTEXT_CLAIM)
    return claim if isinstance(claim, Mapping) and claim.get("id") else None


def _target_of(claims: Mapping, programme: Programme | None, *, deep_linking: bool) -> Target:
    """What the activity opens (its ``certify_target``); the programme when deep linking."""
    if deep_linking:
        return Target(TargetKind.PROGRAMME)
    custom = claims.get(CUSTOM_CLAIM)
    try:
        return parse_target(custom.get(TARGET_PARAMETER) if isinstance(custom, Mapping) else None,
                            programme)
    except TargetError as error:
        raise LaunchRefused(error.message, check="target", status=400) from error


def _launched_person(platform: LtiPlatform, claims: Mapping, roles: set[Role], *,
                     now: datetime) -> Person:
    """The person launching (created on first sight) with the platform's roles granted."""
    locale = claimed_locale(claims)
    if locale is not None and platform.locale != locale:
        platform.locale = locale  # people the roster sync creates get it
    person = link_person(platform, claims["sub"], claims, now=now).person
    if not person.active:
        raise LaunchRefused(_("Your certify account is deactivated; ask the programme's "
                              "managers."), check="person")
    grant_roles(person, roles)
    return person


def accept_launch(platform: LtiPlatform, claims: Mapping, *, now: datetime,
                  deep_linking: bool = False) -> LaunchOutcome:
    """Map a validated launch to certify: the person (created on first sight), their roles,
    the course's cohort (created or linked), the activity, and the page to open.

    Raises ``LaunchRefused`` when the person's course roles give no access to certify, when
    a learner asks to add activities, or when the activity points to something the
    programme does not have. Callers roll back on any error, so a refused launch leaves
    nothing behind.
    """
    roles = _roles_with_access(claims, deep_linking=deep_linking)
    course = _course_claim(claims)
    programme = programme_of(platform)
    if course is not None and programme is None:
        raise LaunchRefused(_("The platform %(name)s is not linked to a programme in certify: a "
                              "manager must choose one.", name=platform.name), check="programme")
    target = _target_of(claims, programme, deep_linking=deep_linking)
    person = _launched_person(platform, claims, roles, now=now)
    context = link = None
    if course is not None:
        context = link_context(platform, course, programme)
        remember_services(context, claims)
        place_in_cohort(context, person, roles)
        resource_claim = claims.get(RESOURCE_LINK_CLAIM)
        if not deep_linking and isinstance(resource_claim, Mapping) and resource_claim.get("id"):
            link = link_resource(context, resource_claim, target)
            remember_line_item(context, target, claims, programme)
    db.session.flush()
    endpoint, values = landing(target, staff=is_staff(roles),
                               cohort=context.cohort if context else None)
    return LaunchOutcome(person, frozenset(roles), context, link, target, endpoint, values)
