"""Pages: the holder's certificates, and the register managers issue, revoke and reissue from.

The public pages (verification, keys, status lists) are in ``public_views``;
the bulk issuance job's pages in ``jobs_views``; all on this blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.attendance.services import get_session
from certify.certificates.baking import baked_badge
from certify.certificates.bulk import render_later
from certify.certificates.forms import IssueForm, ReissueForm, RevokeForm
from certify.certificates.issuing import (
    check_participation_issuable,
    check_programme_issuable,
    get_by_serial,
    issue_participation_certificate,
    issue_programme_certificate,
    live_participation_certificate,
    live_programme_certificate,
    reason_label,
    reissue,
    revoke,
)
from certify.certificates.links import (
    ensure_public_base_url,
    share_links,
    verification_page_url,
    verification_qr_data,
    verification_url,
)
from certify.certificates.models import Certificate, CertificateKind
from certify.certificates.register import (
    CertificateStatus,
    IssuanceOutlook,
    can_see_certificate,
    certificates_of,
    certificates_query,
    cohort_certificates,
    session_attendees,
)
from certify.certificates.serials import MalformedSerial
from certify.cohorts.services import get_cohort
from certify.core import audit
from certify.core.clock import utcnow
from certify.core.confirmation import Confirmation, confirmation_page, is_confirmed
from certify.core.errors import DomainError, NotFound
from certify.core.qr import qr_svg
from certify.core.transactions import attempt
from certify.extensions import db
from certify.progress.services import active_enrolments, person_progress
from certify.progress.status import CohortStatus, my_statuses

blp = Blueprint("certificates", __name__)
# ``{{ c.revocation_reason|revocation_reason }}``: the stored code, in the reader's language.
blp.add_app_template_filter(reason_label, "revocation_reason")


def _certificate(serial: str) -> Certificate:
    """The certificate with ``serial`` if the signed-in person may see it (404 otherwise).

    Holders and managers alike get 404 for others' certificates: nobody learns
    which serials exist from these pages (the public verification page says it).
    """
    try:
        certificate = get_by_serial(serial)
    except MalformedSerial as error:
        raise NotFound(error.message) from error
    if not can_see_certificate(current_person(), certificate):
        raise NotFound(_("There is no certificate with the code %(serial)s.",
                         serial=certificate.serial))
    return certificate


# --- holders -----------------------------------------------------------------------------------

@blp.get("/my-certificates")
@require_role(Role.OFFICIAL)
def my_certificates():
    """Each certificate with its PDF, verification link, Open Badge and where to share it."""
    items = [{"certificate": certificate,
              "page_url": verification_page_url(certificate),
              "share": share_links(certificate, title=certificate.title_in()),
              "qr": qr_svg(verification_qr_data(certificate),
                           label=_("QR code to verify certificate %(serial)s",
                                   serial=certificate.serial))}
             for certificate in certificates_of(current_person())]
    rows = [person_progress(enrolment) for enrolment in active_enrolments(current_person())]
    # Where the official stands where there is news beyond "keep going": an eligible official
    # reads that issuance is coming (not "you have no certificates yet"), one out of reach why.
    standings = [(row, status) for row, status in zip(rows, my_statuses(rows), strict=True)
                 if status.status in (CohortStatus.AWAITING_ISSUANCE, CohortStatus.OUT_OF_REACH)]
    return render_template("certificates/mine.html", items=items, standings=standings)


@blp.get("/certificates/<serial>.pdf")
@require_role()
def pdf(serial: str):
    """The certificate's PDF, for its holder and for managers."""
    # Imported here: WeasyPrint is heavy, and only this page (and the bulk job) needs it.
    from certify.certificates.rendering import certificate_pdf, pdf_filename

    certificate = _certificate(serial)
    body = certificate_pdf(certificate)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={pdf_filename(certificate)}"})


@blp.get("/certificates/<serial>/badge")
@require_role()
def badge(serial: str):
    """The baked badge: the programme's emblem carrying the signed credential
    (``?format=png``: as a PNG whatever the emblem's format)."""
    certificate = _certificate(serial)
    image, media_type, extension = baked_badge(certificate,
                                               as_png=request.args.get("format") == "png")
    return Response(image, mimetype=media_type, headers={
        "Content-Disposition": f"attachment; filename=badge-{certificate.serial}.{extension}"})


# --- the register (managers) -------------------------------------------------------------------

@blp.get("/certificates")
@require_role(Role.MANAGER)
def register():
    status = request.args.get("status")
    kind = request.args.get("kind")
    filters = {
        "search": (request.args.get("q") or "").strip() or None,
        "status": status if status in set(CertificateStatus) else None,
        "kind": kind if kind in set(CertificateKind) else None,
        "person_id": request.args.get("person_id", type=int),
    }
    page = db.paginate(certificates_query(**filters), per_page=50, error_out=False)
    person = db.session.get(Person, filters["person_id"]) if filters["person_id"] else None
    return render_template("certificates/register.html", page=page, filters=filters,
                           person=person, statuses=list(CertificateStatus),
                           kinds=list(CertificateKind))


def _history(certificate: Certificate) -> list[dict]:
    """The audit trail with each actor's name, in two queries."""
    labels = {"certificate_issued": _("Issued"), "certificate_revoked": _("Revoked"),
              "certificate_reissued": _("Reissued")}
    events = audit.history(certificate)
    actor_ids = {event.actor_id for event in events if event.actor_id}
    names = {person.id: person.full_name for person in db.session.scalars(
        sa.select(Person).where(Person.id.in_(actor_ids)))} if actor_ids else {}
    return [{"event": event, "label": labels.get(event.action, event.action),
             "actor": names.get(event.actor_id)} for event in events]


def _detail(certificate: Certificate, *, revoke_form: RevokeForm | None = None,
            reissue_form: ReissueForm | None = None, status: int = 200):
    return render_template(
        "certificates/detail.html", certificate=certificate,
        revoke_form=revoke_form or RevokeForm(formdata=None),
        reissue_form=reissue_form or ReissueForm(formdata=None),
        history=_history(certificate), verification_url=verification_url(certificate),
        replaced_by=certificate.replaced_by,
        replaces=db.session.scalars(sa.select(Certificate).where(
            Certificate.replaced_by_id == certificate.id)).all()), status


@blp.get("/certificates/<serial>")
@require_role(Role.MANAGER)
def detail(serial: str):
    return _detail(_certificate(serial))


def _attach(form, error: DomainError) -> None:
    for name, messages in error.errors.items():
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors) + list(messages)
            return
    flash(error.message, "error")


def _confirm_revocation(certificate: Certificate, reason: str, note: str):
    return confirmation_page(Confirmation(
        title=_("Revoke certificate %(serial)s?", serial=certificate.serial),
        consequences=[
            _("The certificate of %(name)s stops being valid now.", name=certificate.holder_name),
            _("Its public verification page and the API will say REVOKED, with today's date "
              "and this reason:"),
        ],
        quoted=reason_label(reason), people=1, reversible=False,
        undo=_("A revoked certificate stays revoked; a new one would have to be issued."),
        action=url_for("certificates.revoke_certificate", serial=certificate.serial),
        values={"reason": reason, "note": note},
        confirm_label=_("Yes, revoke certificate %(serial)s", serial=certificate.serial),
        cancel_url=url_for("certificates.detail", serial=certificate.serial), danger=True))


def _confirm_reissue(certificate: Certificate, reason: str, note: str):
    return confirmation_page(Confirmation(
        title=_("Reissue certificate %(serial)s?", serial=certificate.serial),
        consequences=[
            _("A new certificate with a new code is issued to %(name)s, with the name as "
              "their account spells it now.", name=certificate.holder_name),
            _("Certificate %(serial)s is revoked and its verification page points to the new "
              "one, with this reason:", serial=certificate.serial),
        ],
        quoted=reason_label(reason), people=1, reversible=False,
        undo=_("The old code stays revoked; the new certificate could only be revoked in turn."),
        action=url_for("certificates.reissue_certificate", serial=certificate.serial),
        values={"reason": reason, "note": note},
        confirm_label=_("Yes, reissue certificate %(serial)s", serial=certificate.serial),
        cancel_url=url_for("certificates.detail", serial=certificate.serial)))


@blp.post("/certificates/<serial>/revoke")
@require_role(Role.MANAGER)
def revoke_certificate(serial: str):
    certificate = _certificate(serial)
    form = RevokeForm()
    if form.validate_on_submit() and not certificate.revoked_at and not is_confirmed():
        return _confirm_revocation(certificate, form.reason.data, form.note.data or "")
    if form.validate_on_submit():
        with attempt(on_error=lambda error: _attach(form, error)) as outcome:
            revoke(certificate, reason=form.reason.data, note=form.note.data,
                   actor=current_person())
        if outcome.succeeded:
            flash(_("Certificate %(serial)s was revoked. Its verification page now says so.",
                    serial=certificate.serial), "success")
            return redirect(url_for("certificates.detail", serial=certificate.serial))
    return _detail(certificate, revoke_form=form, status=422)


@blp.post("/certificates/<serial>/reissue")
@require_role(Role.MANAGER)
def reissue_certificate(serial: str):
    certificate = _certificate(serial)
    form = ReissueForm()
    if form.validate_on_submit() and not certificate.revoked_at and not is_confirmed():
        return _confirm_reissue(certificate, form.reason.data, form.note.data or "")
    if form.validate_on_submit():
        with attempt(on_error=lambda error: _attach(form, error)) as outcome:
            replacement = reissue(certificate, reason=form.reason.data, note=form.note.data,
                                  actor=current_person())
            render_later(replacement)
        if outcome.succeeded:
            flash(_("Certificate %(old)s was replaced by %(new)s.", old=certificate.serial,
                    new=replacement.serial), "success")
            return redirect(url_for("certificates.detail", serial=replacement.serial))
    return _detail(certificate, reissue_form=form, status=422)


# --- issuing for one person (managers) ---------------------------------------------------------

def _person_from(form: IssueForm) -> Person | None:
    """The person to issue for, or None after flashing what is wrong with the request."""
    person = db.session.get(Person, form.person_id.data) if form.validate_on_submit() else None
    if person is None:
        errors = [error for errors in form.errors.values() for error in errors]
        flash(" ".join(errors) or _("There is no such person."), "error")
    return person


def _issued_message(certificate: Certificate, existed: bool) -> str:
    if existed:
        return _("%(name)s already holds certificate %(serial)s.", name=certificate.holder_name,
                 serial=certificate.serial)
    return _("Certificate %(serial)s was issued to %(name)s.", serial=certificate.serial,
             name=certificate.holder_name)


@blp.route("/cohorts/<int:cohort_id>/certificates", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def cohort_page(cohort_id: int):
    """Everyone in the cohort: eligible or not (and why), their certificate, an issue button."""
    cohort = get_cohort(cohort_id)
    if request.method == "POST":
        done = _issue_from_form(SingleIssue(
            live=lambda person: live_programme_certificate(person, cohort.programme),
            check=lambda person: check_programme_issuable(person, cohort),
            issue=lambda person: issue_programme_certificate(person, cohort,
                                                             actor=current_person()),
            what=_("the certificate of %(programme)s", programme=cohort.programme.code),
            back=url_for("certificates.cohort_page", cohort_id=cohort.id)))
        if done is not None:
            return done
    status = 422 if request.method == "POST" else 200
    rows = cohort_certificates(cohort)
    return render_template("certificates/cohort.html", cohort=cohort, rows=rows,
                           outlook=IssuanceOutlook.of(rows)), status


@blp.route("/sessions/<int:session_id>/certificates", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def session_page(session_id: int):
    """The people present or late at a session, with certificates of participation."""
    session = get_session(session_id)
    if request.method == "POST":
        done = _issue_from_form(SingleIssue(
            live=lambda person: live_participation_certificate(person, session),
            check=lambda person: check_participation_issuable(person, session),
            issue=lambda person: issue_participation_certificate(person, session,
                                                                 actor=current_person()),
            what=_("a certificate of participation in %(session)s", session=session.title),
            back=url_for("certificates.session_page", session_id=session.id)))
        if done is not None:
            return done
    status = 422 if request.method == "POST" else 200
    return render_template("certificates/session.html", session=session,
                           rows=session_attendees(session), now=utcnow()), status


@dataclass(frozen=True)
class SingleIssue:
    """One page's issue button: how to find, check and issue one person's certificate."""

    live: Callable[[Person], Certificate | None]
    check: Callable[[Person], None]  # raises what issuing would refuse with
    issue: Callable[[Person], Certificate]
    what: str  # "the certificate of PIA", for the confirmation
    back: str


def _issue_from_form(single: SingleIssue):
    """An issue button's POST: a confirmation first, then issue to the person it names and
    redirect back; None when the form or the issuing was refused (said in a flash message)."""
    person = _person_from(IssueForm())
    if person is None:
        return None
    existed = single.live(person) is not None
    if not existed and not is_confirmed():
        with attempt() as checked:  # refused now rather than after the confirmation
            ensure_public_base_url()
            single.check(person)
        return _confirm_single_issue(person, single) if checked.succeeded else None
    with attempt() as outcome:
        certificate = single.issue(person)
    if not outcome.succeeded:
        return None
    if not existed:
        render_later(certificate)
    flash(_issued_message(certificate, existed), "info" if existed else "success")
    return redirect(single.back)


def _confirm_single_issue(person: Person, single: SingleIssue):
    return confirmation_page(Confirmation(
        title=_("Issue %(what)s to %(name)s?", what=single.what, name=person.full_name),
        consequences=[
            _("%(name)s receives a signed certificate with a verification code.",
              name=person.full_name),
            _("An e-mail with the certificate is sent to %(email)s.", email=person.email),
        ],
        people=1, reversible=False,
        undo=_("A certificate can only be revoked, and its holder will already have been told "
               "by e-mail."),
        action=request.path, values={"person_id": str(person.id)},
        confirm_label=_("Yes, issue the certificate of %(name)s", name=person.full_name),
        cancel_url=single.back))


# More routes on this blueprint: the public pages, and bulk issuance with its job status.
from certify.certificates import (  # noqa: E402,F401
    badge_views,
    import_views,
    jobs_views,
    offline_views,
    public_views,
)
