"""The managers' page for certificates awarded before certify: the CSV that
``certify certificates import`` takes, checked, confirmed, then recorded.

Upload: the file is checked (type, size, UTF-8) and every row validated by the same service
as the command (``certificates.importing``); nothing is written. Rows with problems are
listed with their line numbers and the file is refused, unless "skip invalid rows" is ticked.
Otherwise the file is kept aside (``core.csv_import.stage_upload``) and a confirmation page
says how many certificates and new people it will record. Confirming validates the file
again and records it only if it still records what was confirmed; the PDFs follow in a job.

Registered on the area's blueprint (``certificates.views.blp``).
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from certify.accounts.access import current_person, require_role
from certify.accounts.forms import ImportForm
from certify.accounts.models import Role
from certify.certificates.bulk import render_later
from certify.certificates.importing import (
    TEMPLATE_CSV,
    CertificateImportPreview,
    import_certificates,
    preview_certificates,
)
from certify.certificates.models import CertificateKind
from certify.certificates.views import blp
from certify.core.confirmation import Confirmation, confirmation_page, is_confirmed
from certify.core.csv_import import (
    ImportRejected,
    discard_staged,
    read_csv_upload,
    stage_upload,
    staged_upload,
)
from certify.core.transactions import attempt


@blp.route("/certificates/import", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def import_page():
    if request.method == "POST" and is_confirmed():
        return _record()
    form = ImportForm()
    if not form.validate_on_submit() or (text := read_csv_upload(form.file)) is None:
        return _page(form, status=422 if request.method == "POST" else 200)
    preview = preview_certificates(text)
    skip = bool(form.skip_invalid.data)
    if (preview.errors and not skip) or not preview.certificates:
        return _page(form, rejected=ImportRejected(preview.errors).row_errors, status=422)
    token = stage_upload(text, current_person().id)
    return _confirm(preview, token, skip)


@blp.get("/certificates/import/template.csv")
@require_role(Role.MANAGER)
def import_template():
    return Response(TEMPLATE_CSV, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=certificates-template.csv"})


def _page(form: ImportForm, *, rejected=None, status: int = 200):
    return render_template("certificates/import.html", form=form, rejected=rejected), status


def _kind_label(kind: CertificateKind) -> str:
    return _("participation") if kind is CertificateKind.PARTICIPATION else _("programme")


def _confirm(preview: CertificateImportPreview, token: str, skip: bool, *, status: int = 200,
             changed: bool = False):
    consequences = []
    if changed:
        consequences.append(_("The register changed since the file was checked: these are "
                              "the new figures."))
    consequences += [
        ngettext("%(num)d certificate awarded before certify will be recorded: each gets a "
                 "code, a signature and a PDF, and its verification page says it was imported.",
                 "%(num)d certificates awarded before certify will be recorded: each gets a "
                 "code, a signature and a PDF, and its verification page says it was imported.",
                 preview.certificates),
        *[_("%(programme)s, %(kind)s: %(count)d", programme=code, kind=_kind_label(kind),
            count=count) for (code, kind), count in sorted(preview.by_programme.items())],
        ngettext("%(num)d person not yet registered will be created (the others are matched "
                 "by e-mail).", "%(num)d people not yet registered will be created (the others "
                 "are matched by e-mail).", preview.people_created),
    ]
    if preview.errors:
        consequences.append(ngettext("%(num)d row with problems will be skipped:",
                                     "%(num)d rows with problems will be skipped:",
                                     len(preview.errors)))
        consequences += [_("Line %(line)s", line=error.line) + ": " + "; ".join(error.messages)
                         for error in ImportRejected(preview.errors).row_errors]
    return confirmation_page(Confirmation(
        title=ngettext("Import %(num)d certificate?", "Import %(num)d certificates?",
                       preview.certificates),
        consequences=consequences, people=preview.holders, reversible=False,
        undo=_("Certificates are never deleted: one recorded by mistake can be revoked."),
        action=url_for("certificates.import_page"),
        values={"token": token, "skip_invalid": "y" if skip else "",
                "expected": str(preview.certificates)},
        confirm_label=ngettext("Yes, import %(num)d certificate",
                               "Yes, import %(num)d certificates", preview.certificates),
        cancel_url=url_for("certificates.import_page")), status)


def _record():
    """The confirmation's post: validate the staged file again, record it if it still
    records what was confirmed."""
    owner = current_person()
    token = request.form.get("token", "")
    skip = request.form.get("skip_invalid") == "y"
    text = staged_upload(token, owner.id)
    if text is None:
        flash(_("The file is no longer waiting for confirmation: upload it again."), "error")
        return _page(ImportForm(formdata=None), status=422)
    preview = preview_certificates(text)
    if preview.errors and not skip:
        return _page(ImportForm(formdata=None),
                     rejected=ImportRejected(preview.errors).row_errors, status=409)
    if str(preview.certificates) != request.form.get("expected"):
        return _confirm(preview, token, skip, status=409, changed=True)
    with attempt() as outcome:
        report = import_certificates(text, actor=owner, skip_invalid=skip)
        render_later(*report.certificates)
    if not outcome.succeeded:  # said in a flash message; nothing was written
        return _page(ImportForm(formdata=None), status=422)
    discard_staged(token, owner.id)
    flash(_("%(count)d certificates imported (%(people)d people created, %(skipped)d rows "
            "skipped). Their PDFs are being prepared.", count=len(report.certificates),
            people=report.people_created, skipped=len(report.errors)), "success")
    return redirect(url_for("certificates.register"))
