"""The LTI endpoints platforms and browsers reach: login, launch, key set, Dynamic Registration,
and the activity picker instructors see when they deep-link.

Login, launch, key set and registration are public by nature: who calls them is proved by
what they carry (signed tokens, single-use states, registration links), checked in
``certify.lti.launch`` and ``certify.lti.registration``. The manager pages are in
``certify.lti.admin_views``, on this blueprint.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from certify.accounts.access import current_person, public, require_role
from certify.accounts.models import Role
from certify.core.clock import utcnow
from certify.core.errors import DomainError, NotFound, PermissionDenied, ValidationError
from certify.core.i18n import current_language
from certify.core.security_headers import allow_inline_code_of
from certify.extensions import csrf, db
from certify.lti import deep_linking, services, settings
from certify.lti.errors import LaunchRefused, PlatformError
from certify.lti.forms import DeepLinkForm
from certify.lti.jobs import schedule_roster_sync
from certify.lti.keys import public_key_set
from certify.lti.launch import CertifyMessageLaunch, CertifyOIDCLogin, lti_request, restore_launch
from certify.lti.launch_data import purge_expired
from certify.lti.models import LtiUser
from certify.lti.platforms import find_invite, tool_url
from certify.lti.registration import register_with_platform
from certify.lti.tool_conf import DatabaseToolConf

log = logging.getLogger(__name__)

blp = Blueprint("lti", __name__, url_prefix="/lti")


@blp.record_once
def _install_settings(state) -> None:
    settings.init_app(state.app)


def _refused(refusal: LaunchRefused):
    log.info("LTI %s refused (%s): %s", request.path, refusal.check, refusal.message)
    return render_template("lti/refused.html", refusal=refusal), refusal.status


# Login and launch receive cross-site form posts from the platform, which cannot carry
# certify's CSRF token: they are exempt from CSRF, and protected instead by the single-use
# state and nonce and the platform's signature on the id_token (see certify.lti.launch).
@blp.route("/login", methods=["GET", "POST"])
@public
def login():
    params = request.values.to_dict()
    oidc = CertifyOIDCLogin(lti_request(params, secure=request.is_secure), DatabaseToolConf(),
                            tool_host=urlsplit(current_app.config["BASE_URL"]).netloc)
    try:
        purge_expired()
        response = oidc.redirect(tool_url("lti.launch"))
    except LaunchRefused as refusal:
        db.session.rollback()
        return _refused(refusal)
    db.session.commit()
    response.headers["Cache-Control"] = "no-store"
    if response.mimetype == "text/html":  # pylti1p3's page that checks cookies work
        allow_inline_code_of(response.get_data(as_text=True))
    return response


@blp.post("/launch")
@public
def launch():
    message_launch = CertifyMessageLaunch(
        lti_request(request.form.to_dict(), secure=request.is_secure), DatabaseToolConf())
    try:
        message_launch.validate()
        outcome = services.accept_launch(message_launch.platform, message_launch.claims,
                                         now=utcnow(),
                                         deep_linking=message_launch.is_deep_linking())
        if outcome.staff and outcome.context is not None and outcome.context.memberships_url:
            schedule_roster_sync(outcome.context)  # instructors' launches keep the roster fresh
    except LaunchRefused as refusal:
        db.session.rollback()
        return _refused(refusal)
    except DomainError as error:
        db.session.rollback()
        return _refused(LaunchRefused(error.message, check=error.code,
                                      status=403 if error.status == 403 else 400))
    login_user(outcome.person)
    db.session.commit()
    if message_launch.is_deep_linking():
        return redirect(url_for("lti.deep_link", launch_id=message_launch.get_launch_id()))
    return redirect(url_for(outcome.endpoint, **outcome.values))


csrf.exempt(login)
csrf.exempt(launch)


@blp.get("/jwks")
@public
def jwks():
    response = jsonify(public_key_set())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# The platform opens this URL in its own window or frame, where certify's cookies may not
# exist: the registration happens on this GET, guarded by the registration link's token.
@blp.get("/register")
@public
def register():
    invite = find_invite(request.args.get("invite"))
    if invite is None:
        return render_template("lti/registered.html", platform=None, error=_(
            "This registration link is unknown, already used or expired. Ask certify's "
            "managers for a new one.")), 403
    configuration_url = request.args.get("openid_configuration")
    if not configuration_url:
        return render_template("lti/registered.html", platform=None, error=_(
            "The platform did not send the address of its configuration "
            "(openid_configuration). Start the registration from the platform.")), 400
    try:
        platform = register_with_platform(configuration_url,
                                          request.args.get("registration_token"), invite=invite)
    except (PlatformError, ValidationError) as error:
        db.session.rollback()
        log.warning("Dynamic registration with %s failed: %s", configuration_url, error.message)
        return render_template("lti/registered.html", platform=None, error=error.message), 400
    db.session.commit()
    return render_template("lti/registered.html", platform=platform, error=None)


# --- the activity picker (deep linking) --------------------------------------------------------

def _own_deep_linking_launch(launch_id: str) -> CertifyMessageLaunch:
    """The deep-linking launch ``launch_id`` if the signed-in person made it."""
    message_launch = restore_launch(launch_id, lti_request({}, secure=request.is_secure))
    if message_launch is None or not message_launch.is_deep_linking():
        raise NotFound(_("This activity chooser has expired. Open it again from the course."))
    claims = message_launch.claims
    owner = db.session.scalar(sa.select(LtiUser.person_id).where(
        LtiUser.issuer == claims.get("iss"), LtiUser.subject == claims.get("sub")))
    if owner != current_person().id:
        raise PermissionDenied(_("This activity chooser was opened by someone else."))
    return message_launch


@blp.route("/deep-link/<launch_id>", methods=["GET", "POST"])
@require_role(Role.TUTOR, Role.MANAGER)
def deep_link(launch_id: str):
    message_launch = _own_deep_linking_launch(launch_id)
    programme = services.programme_of(message_launch.registered_platform())
    if programme is None:
        raise PermissionDenied(_("The platform is not linked to a programme in certify: a "
                                 "manager must choose one."))
    locale = current_language()
    form = DeepLinkForm()
    form.targets.choices = [(choice.value, choice.title)
                            for choice in deep_linking.choices(programme, locale)]
    if form.validate_on_submit():
        try:
            return_url, token = deep_linking.answer(message_launch, form.targets.data or [],
                                                    programme, locale)
        except ValidationError as error:
            form.targets.errors = list(error.errors.get("targets", [error.message]))
        else:
            return render_template("lti/deep_link_return.html", return_url=return_url,
                                   token=token, count=len(set(form.targets.data)))
    status = 422 if form.errors else 200
    return render_template("lti/deep_link.html", form=form, programme=programme,
                           multiple=deep_linking.accepts_multiple(message_launch)), status


# The manager pages live in their own module, on this blueprint.
from certify.lti import admin_views  # noqa: E402,F401 - registers them
