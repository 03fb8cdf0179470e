"""Pages for data-subject requests: managers export or erase a person's data; everyone
downloads their own."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from certify.accounts.access import current_person, require_role
from certify.accounts.models import Person, Role
from certify.accounts.services import get_person
from certify.certificates.models import Certificate
from certify.core.errors import PermissionDenied
from certify.core.transactions import attempt
from certify.extensions import db
from certify.privacy.erasure import erase_person, is_erased
from certify.privacy.export import ExportArchive, export_person
from certify.privacy.forms import ErasureForm

blp = Blueprint("privacy", __name__)


def _person_for_manager(person_id: int) -> Person:
    person = get_person(person_id)
    if Role.ADMIN in person.roles and Role.ADMIN not in current_person().roles:
        raise PermissionDenied(_("Only administrators may change an administrator's account."))
    return person


def _download(archive: ExportArchive):
    response = send_file(io.BytesIO(archive.data), mimetype="application/zip",
                         as_attachment=True, download_name=archive.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(person: Person, form: ErasureForm, status: int = 200):
    certificates = db.session.scalars(sa.select(Certificate).where(
        Certificate.person_id == person.id).order_by(Certificate.issued_at)).all()
    return render_template("privacy/person.html", person=person, form=form,
                           certificates=certificates, erased=is_erased(person)), status


@blp.get("/people/<int:person_id>/privacy")
@require_role(Role.MANAGER)
def person_privacy(person_id: int):
    return _page(_person_for_manager(person_id), ErasureForm())


@blp.post("/people/<int:person_id>/privacy/export")
@require_role(Role.MANAGER)
def export(person_id: int):
    """The person's data as a ZIP (audit-logged: a POST, so that it is never prefetched)."""
    return _download(export_person(_person_for_manager(person_id), actor=current_person()))


@blp.post("/people/<int:person_id>/privacy/erase")
@require_role(Role.MANAGER)
def erase(person_id: int):
    person = _person_for_manager(person_id)
    form = ErasureForm()
    if form.validate_on_submit():
        if form.confirm_email.data.strip().lower() != person.email:
            form.confirm_email.errors.append(_("This is not the person's e-mail address."))
        else:
            with attempt(form) as outcome:
                erase_person(person, actor=current_person(), reason=form.reason.data,
                             revoke_certificates=form.certificates.data == "revoke")
            if outcome.succeeded:
                flash(_("The person's data was erased."), "success")
                return redirect(url_for("privacy.person_privacy", person_id=person.id))
    return _page(person, form, 422)


@blp.post("/account/data")
@require_role()
def my_data():
    """Everything certify holds about the signed-in person, as a ZIP."""
    person = current_person()
    return _download(export_person(person, actor=person))


from certify.privacy import audit_views  # noqa: E402,F401 - the audit log's routes on this blueprint
