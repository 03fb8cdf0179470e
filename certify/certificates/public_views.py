"""Public pages, no account needed: verification, the published keys, the status lists.

Registered on the area's blueprint (``certificates.views.blp``).
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime
from markupsafe import Markup

from certify.accounts.access import public
from certify.certificates.design import design_image
from certify.certificates.facts_cache import cached_answer
from certify.certificates.forms import VerifyForm
from certify.certificates.issuers import did_document, issuer_profile_document
from certify.certificates.issuing import VerificationState
from certify.certificates.kept_answers import offer
from certify.certificates.links import open_to_verifiers
from certify.certificates.openbadges import MEDIA_TYPE
from certify.certificates.qr_token import looks_like_qr_token
from certify.certificates.serials import MalformedSerial, normalise_serial
from certify.certificates.status_list import (
    last_list_number,
    signed_status_list,
    status_list_credential,
)
from certify.certificates.verification import judge, read_verification
from certify.certificates.views import blp
from certify.core.errors import NotFound
from certify.core.keyring import KID_PATTERN, jwks, public_jwk, public_keys
from certify.programmes.services import get_programme_by_code

# Verdicts about a certificate that exists are answers (200); the others are the request's fault.
PAGE_STATUS = {VerificationState.NOT_FOUND: 404, VerificationState.UNREGISTERED: 404,
               VerificationState.MALFORMED: 400, VerificationState.INVALID_SIGNATURE: 400}
PUBLIC_CACHE = "public, max-age=300"


@blp.get("/v")
@public
def verify_form():
    """Type a serial; a typing mistake is explained here, before anything is looked up."""
    form = VerifyForm(request.args)
    if "serial" not in request.args:
        return render_template("certificates/verify_form.html", form=VerifyForm(formdata=None))
    if form.validate():
        try:
            serial = normalise_serial(form.serial.data)
        except MalformedSerial as error:
            form.serial.errors.append(error.message)
        else:
            return redirect(url_for("certificates.verify_page", serial=serial))
    return render_template("certificates/verify_form.html", form=form), 422


@blp.get("/v/<serial>")
@open_to_verifiers
def verify_page(serial: str):
    """VALID, REVOKED, EXPIRED, NOT FOUND or INVALID SIGNATURE, at a glance.

    ``/v/<serial>?t=<version 1 token>`` or, what QR codes carry now,
    ``/v/<version 2 token>``: the token states the serial.
    """
    token = request.args.get("t") or None
    if looks_like_qr_token(serial):
        token, serial, canonical = serial, None, None
    else:
        try:
            canonical = normalise_serial(serial)
        except MalformedSerial:
            canonical = None
    if canonical is not None and canonical != serial:
        # One address per certificate: k7qm3xda9pft and K7QM-3XDA-9PFT are the same one.
        arguments = {"t": token} if token else {}
        return redirect(url_for("certificates.verify_page", serial=canonical, **arguments), 301)
    reading = read_verification(serial, token)
    verdict = judge(reading)
    checked_on = format_datetime(reading.now, "short")
    response = Response(_render_verdict(verdict, serial, checked_on),
                        PAGE_STATUS.get(verdict.state, 200))
    response.headers["Cache-Control"] = "no-store"  # a revocation must show at once
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays on this page
    offer(reading, verdict.state, checked_on, minute=reading.now.replace(second=0, microsecond=0))
    return response


def _render_verdict(verdict, serial: str | None, checked_on: str) -> str:
    form = VerifyForm(formdata=None, serial=verdict.serial or serial)
    if verdict.state is VerificationState.MALFORMED:
        form.serial.errors = [verdict.message]
    return render_template("certificates/verify.html", verdict=verdict, form=form,
                           State=VerificationState, facts_html=_facts_html(verdict),
                           checked_on=checked_on)


def _facts_html(verdict) -> Markup | None:
    """The certificate's facts as the page shows them, rendered once per certificate, language
    and state; a record that fails its own signature is rendered as it now reads."""
    certificate = verdict.certificate
    if certificate is None:
        return None
    render = get_template_attribute("certificates/_macros.html", "facts")
    if verdict.state is VerificationState.INVALID_SIGNATURE:
        return render(certificate)
    return cached_answer(certificate, "page", lambda: render(certificate))


def _public_json(body, *, status: int = 200, mimetype: str = "application/json") -> Response:
    response = jsonify(body) if mimetype == "application/json" else Response(body, status,
                                                                              mimetype=mimetype)
    response.status_code = status
    response.headers["Cache-Control"] = PUBLIC_CACHE
    # Verifiers in other origins (wallets, web apps) fetch keys and lists from the browser.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blp.get("/.well-known/jwks.json")
@public
def jwks_document():
    """Every public key ever used to sign, as a JSON Web Key Set."""
    return _public_json(jwks())


@blp.get("/.well-known/did.json")
@public
def did_web_document():
    """The same keys as a ``did:web`` DID document (docs/jose.md)."""
    return _public_json(did_document())


@blp.get("/keys/<kid>")
@public
def public_key(kid: str):
    """One public key as a JWK: what the ``kid`` URL in a VC-JWT header resolves to."""
    key = public_keys().get(kid) if KID_PATTERN.match(kid) else None
    if key is None:
        abort(404)
    return _public_json(public_jwk(kid, key))


@blp.get("/images/<sha256>")
@public
def design_image_file(sha256: str):
    """A certificate image (logo, emblem, seal) by its hash: what credentials point wallets to.

    Its address names its content, so it never changes and may be cached for good.
    """
    image = design_image(sha256)
    if image is None:
        abort(404)
    response = Response(image.data, mimetype=image.media_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Access-Control-Allow-Origin"] = "*"
    # An SVG opened on its own shows in our origin: the site's policy (no inline script) and
    # the loader's checks (no script, nothing fetched) keep it an image.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.get("/issuers/<code>")
@public
def issuer_profile(code: str):
    """The issuer's Open Badges Profile: name, address and the keys that sign for it."""
    try:
        programme = get_programme_by_code(code)
    except NotFound:
        abort(404)
    return _public_json(issuer_profile_document(programme), mimetype="application/json")


def _wants_unsigned() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match([MEDIA_TYPE, "application/vc+ld+json",
                                                "application/json"])
    return best in {"application/vc+ld+json", "application/json"}


@blp.get("/status/<int:list_number>")
@public
def status_list(list_number: int):
    """A revocation list as a Bitstring Status List credential (VC-JWT, or ``?format=json``)."""
    if not 1 <= list_number <= last_list_number():
        abort(404)
    if _wants_unsigned():
        return _public_json(status_list_credential(list_number))
    return _public_json(signed_status_list(list_number), mimetype=MEDIA_TYPE)
