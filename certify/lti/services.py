"""Who launched, from which course and activity, and where they land.

Maps a launch's claims to certify: the platform user (issuer + subject) to a Person through
``LtiUser``; LTI roles to ours; the course (context) to a Cohort through ``LtiContext``; the
activity (resource link) to a module, quiz, in-person session or the group project through
``LtiResourceLink``. The roster sync uses the same functions for the people it brings in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from certify.accounts import services as accounts
from certify.accounts.models import Person, Role
from certify.assessments.models import Quiz
from certify.attendance.models import InPersonSession
from certify.cohorts import services as cohorts
from certify.cohorts.enrolments import enrol, find_enrolment
from certify.cohorts.models import Cohort, EnrolmentStatus
from certify.config import LOCALES
from certify.core.errors import ValidationError
from certify.core.i18n import localized
from certify.extensions import db
from certify.lti.errors import LaunchRefused
from certify.lti.models import (
    LtiContext,
    LtiLineItem,
    LtiPlatform,
    LtiResourceLink,
    LtiUser,
    TargetKind,
)
from certify.programmes.models import Module, ModuleKind, Programme

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLES_CLAIM = CLAIM + "roles"
CONTEXT_CLAIM = CLAIM + "context"
RESOURCE_LINK_CLAIM = CLAIM + "resource_link"
CUSTOM_CLAIM = CLAIM + "custom"
PRESENTATION_CLAIM = CLAIM + "launch_presentation"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
ADMINISTRATOR_ROLES = frozenset({
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
})
TUTOR_ROLE_NAMES = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper"})

# Where an activity points: a custom parameter set by deep linking (or by hand in Moodle).
TARGET_PARAMETER = "certify_target"
TARGET_PATTERN = re.compile(r"^(module|quiz|session):([A-Za-z0-9_-]{1,32})$|^(project|programme)$")

# People without an e-mail claim (or whose e-mail must not be linked) get an address that
# cannot receive mail, unique per platform user; managers can change it later.
PLACEHOLDER_DOMAIN = "lti-users.certify.example"


# --- roles -------------------------------------------------------------------------------------

def _role_name(uri: str) -> str:
    return uri.rsplit("#", 1)[-1] if "#" in uri else uri.rsplit("/", 1)[-1]


def map_roles(role_uris: Iterable[str]) -> set[Role]:
    """certify's roles for LTI roles: Learner -> official; Instructor, TeachingAssistant,
    ContentDeveloper -> tutor; Administrator -> manager.

    Course roles count (``membership#...``, also in their short form); of the system and
    institution roles only Administrator does: being an instructor somewhere in the
    institution does not make someone a tutor of this course.
    """
    roles: set[Role] = set()
    for uri in role_uris:
        if not isinstance(uri, str):
            continue
        if uri in ADMINISTRATOR_ROLES:
            roles.add(Role.MANAGER)
            continue
        if not (uri.startswith(MEMBERSHIP) or "/" not in uri):
            continue
        name = _role_name(uri)
        if name == "Learner":
            roles.add(Role.OFFICIAL)
        elif name in TUTOR_ROLE_NAMES:
            roles.add(Role.TUTOR)
        elif name == "Administrator":
            roles.add(Role.MANAGER)
    return roles


def is_staff(roles: set[Role]) -> bool:
    return bool(roles & {Role.TUTOR, Role.MANAGER})


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
    module = None
    if programme is not None:
        module = next((m for m in programme.modules if m.code == code), None)
    if module is None:
        raise TargetError(_("The activity points to module %(code)s, which the programme does "
                            "not have.", code=code))
    if kind is TargetKind.SESSION and module.kind is not ModuleKind.IN_PERSON:
        raise TargetError(_("The activity points to the in-person session of module %(code)s, "
                            "which is a virtual module.", code=code))
    quiz_id = None
    if kind in (TargetKind.MODULE, TargetKind.QUIZ):
        quiz_id = db.session.scalar(sa.select(Quiz.id).where(Quiz.module_id == module.id))
    if kind is TargetKind.QUIZ and quiz_id is None:
        raise TargetError(_("The activity points to the quiz of module %(code)s, which has no "
                            "quiz.", code=code))
    return Target(kind, module, quiz_id)


def sole_programme() -> Programme | None:
    """The programme, when certify runs only one."""
    programmes = db.session.scalars(sa.select(Programme).limit(2)).all()
    return programmes[0] if len(programmes) == 1 else None


def programme_of(platform: LtiPlatform) -> Programme | None:
    """The programme the platform's courses belong to: its own, or the only one there is."""
    return platform.programme if platform.programme is not None else sole_programme()


# --- people ------------------------------------------------------------------------------------

def _locale(claims: Mapping) -> str:
    tag = str((claims.get(PRESENTATION_CLAIM) or {}).get("locale") or claims.get("locale") or "")
    language = tag.replace("-", "_").split("_")[0].lower()
    return next((locale for locale in LOCALES if locale.split("_")[0] == language), "es")


def _names(claims: Mapping, subject: str) -> tuple[str, str]:
    given = str(claims.get("given_name") or "").strip()
    family = str(claims.get("family_name") or "").strip()
    full = str(claims.get("name") or "").strip()
    if not given and full:
        given, _space, rest = full.partition(" ")
        family = family or rest
    return (given or _("Participant"))[:120], (family or subject)[:120]


def placeholder_email(issuer: str, subject: str) -> str:
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:24]
    return f"lti-{digest}@{PLACEHOLDER_DOMAIN}"


def _usable_email(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return accounts.normalise_email(value)
    except ValidationError:
        return None


def find_lti_users(issuer: str, subjects: Iterable[str]) -> dict[str, LtiUser]:
    """``{subject: LtiUser}`` for these subjects of ``issuer``, people loaded, in one query."""
    subjects = list(dict.fromkeys(subjects))
    if not subjects:
        return {}
    rows = db.session.scalars(
        sa.select(LtiUser).where(LtiUser.issuer == issuer, LtiUser.subject.in_(subjects))
        .options(selectinload(LtiUser.person).selectinload(Person.role_grants)))
    return {row.subject: row for row in rows}


def link_person(platform: LtiPlatform, subject: str, claims: Mapping, *,
                now: datetime, existing: LtiUser | None = None) -> LtiUser:
    """The ``LtiUser`` of this platform user, creating the person on first sight.

    A new person gets the name, e-mail and language of the claims. When someone already
    has that e-mail, the account is linked only if the platform is trusted for e-mail;
    otherwise certify creates a separate account with a placeholder e-mail rather than
    hand an existing account to whoever the platform says has that address.
    """
    link = existing or find_lti_users(platform.issuer, [subject]).get(subject)
    if link is not None:
        link.last_launch_at = now
        return link
    email = _usable_email(claims.get("email"))
    owner = accounts.find_person_by_email(email) if email else None
    if owner is not None and platform.trusted_for_email:
        person, created = owner, False
    else:
        given, family = _names(claims, subject)
        person = accounts.create_person(
            email=email if email and owner is None else placeholder_email(platform.issuer,
                                                                          subject),
            given_names=given, family_names=family, preferred_locale=_locale(claims), roles=())
        created = True
    link = LtiUser(issuer=platform.issuer, subject=subject, person=person,
                   created_person=created, created_at=now, last_launch_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(link)
    except IntegrityError:
        # The same user's first launch ran twice at once (a double click): use the other one.
        concurrent = find_lti_users(platform.issuer, [subject]).get(subject)
        if concurrent is None:
            raise
        return concurrent
    return link


def grant_roles(person: Person, roles: Iterable[Role]) -> None:
    """Give ``person`` the roles the platform says they have; never takes roles away and
    never grants administrator."""
    for role in roles:
        if role is not Role.ADMIN and role not in person.roles:
            accounts.grant_role(person, role)


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
    context = db.session.scalar(sa.select(LtiContext).where(
        LtiContext.platform_id == platform.id, LtiContext.context_id == context_id))
    title = str(claim.get("title") or "")[:255]
    label = str(claim.get("label") or "")[:255]
    if context is not None:
        if (context.title, context.label) != (title, label):
            context.title, context.label = title, label
        return context
    context = LtiContext(platform=platform, context_id=context_id, title=title, label=label,
                         cohort=_cohort_for(platform, claim, programme))
    try:
        with db.session.begin_nested():
            db.session.add(context)
    except IntegrityError:
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
        return _("Group innovation prototype")
    code = resource_id.partition(":")[2]
    module = next((m for m in (programme.modules if programme else []) if m.code == code), None)
    title = localized(module.title, "es") if module else code
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
    if Role.TUTOR in roles:
        cohorts.assign_tutor(cohort, person)
    if Role.OFFICIAL in roles:
        enrolment = find_enrolment(cohort, person)
        if enrolment is None or enrolment.status is EnrolmentStatus.INACTIVE:
            enrol(cohort, person)


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


def accept_launch(platform: LtiPlatform, claims: Mapping, *, now: datetime,
                  deep_linking: bool = False) -> LaunchOutcome:
    """Map a validated launch to certify: the person (created on first sight), their roles,
    the course's cohort (created or linked), the activity, and the page to open.

    Raises ``LaunchRefused`` when the person's course roles give no access to certify, when
    a learner asks to add activities, or when the activity points to something the
    programme does not have. Callers roll back on any error, so a refused launch leaves
    nothing behind.
    """
    roles = map_roles(claims.get(ROLES_CLAIM) or [])
    if not roles:
        shown = ", ".join(_role_name(str(role)) for role in claims.get(ROLES_CLAIM) or []) or "-"
        raise LaunchRefused(_("Your role in this course (%(roles)s) gives no access to certify.",
                              roles=shown[:200]), check="roles")
    if deep_linking and not is_staff(roles):
        raise LaunchRefused(_("Only the course's instructors can add certify activities."),
                            check="roles")
    context_claim = claims.get(CONTEXT_CLAIM)
    if not (isinstance(context_claim, Mapping) and context_claim.get("id")):
        context_claim = None
    programme = programme_of(platform)
    if context_claim is not None and programme is None:
        raise LaunchRefused(_("The platform %(name)s is not linked to a programme in certify: a "
                              "manager must choose one.", name=platform.name), check="programme")
    custom = claims.get(CUSTOM_CLAIM)
    try:
        target = Target(TargetKind.PROGRAMME) if deep_linking else parse_target(
            custom.get(TARGET_PARAMETER) if isinstance(custom, Mapping) else None, programme)
    except TargetError as error:
        raise LaunchRefused(error.message, check="target", status=400) from error

    person = link_person(platform, claims["sub"], claims, now=now).person
    if not person.active:
        raise LaunchRefused(_("Your certify account is deactivated; ask the programme's "
                              "managers."), check="person")
    grant_roles(person, roles)
    context = link = None
    if context_claim is not None:
        context = link_context(platform, context_claim, programme)
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
