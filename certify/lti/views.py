"""The LTI endpoints platforms and browsers reach: login, launch, key set, Dynamic Registration,
and the activity picker instructors see when they deep-link.

Login, launch, key set, registration and the picker are public by nature: who calls them is
proved by what they carry (signed tokens, single-use states bound to the browser,
registration links, picker tokens), checked in ``certify.lti.launch``,
``certify.lti.browser``, ``certify.lti.registration`` and ``certify.lti.deep_linking``. The
manager pages are in ``certify.lti.admin_views``, on this blueprint.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_user

from certify.accounts.access import public
from certify.accounts.models import Person
from certify.core.clock import utcnow
from certify.core.errors import DomainError, NotFound, PermissionDenied, ValidationError
from certify.core.i18n import current_language
from certify.core.security_headers import permit_framing_by
from certify.core.transactions import attempt, writes_on_read
from certify.extensions import csrf, db
from certify.lti import deep_linking, services, settings
from certify.lti.browser import (
    FRAME_SESSION,
    clean_storage_target,
    forget_login_in_browser,
    origin_of,
    remember_login_in_browser,
    state_cookie_name,
)
from certify.lti.errors import LaunchRefused, PlatformError, PlatformStorageCheck
from certify.lti.forms import DeepLinkForm
from certify.lti.handoff import remember_handoff, take_handoff
from certify.lti.jobs import schedule_roster_sync
from certify.lti.keys import public_key_set
from certify.lti.launch import CertifyMessageLaunch, CertifyOIDCLogin, lti_request, restore_launch
from certify.lti.launch_data import purge_expired
from certify.lti.platforms import (
    certify_address_warnings,
    find_invite,
    platform_address_warnings,
    tool_url,
)
from certify.lti.registration import register_with_platform
from certify.lti.tool_conf import DatabaseToolConf

log = logging.getLogger(__name__)
# Set by the login page when it re-posts the login into a window of certify's own.
NEW_WINDOW_PARAMETER = "lti1p3_new_window"
# Set by the platform-storage check page when it posts the launch again.
STORAGE_CHECKED = "certify_storage_checked"

blp = Blueprint("lti", __name__, url_prefix="/lti")


@blp.record_once
def _install_settings(state) -> None:
    settings.init_app(state.app)


def _refused(refusal: LaunchRefused):
    log.info("LTI %s refused (%s): %s", request.path, refusal.check, refusal.message)
    return render_template("lti/refused.html", refusal=refusal), refusal.status


def _secure() -> bool:
    return bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def _from_certify_itself() -> bool:
    """Whether the browser says this post comes from one of certify's own pages."""
    return request.headers.get("Origin") == origin_of(current_app.config["BASE_URL"])


# Login and launch receive cross-site form posts from the platform, which cannot carry
# certify's CSRF token: they are exempt from CSRF, and protected instead by the single-use
# state bound to the browser, the nonce and the platform's signature on the id_token (see
# certify.lti.launch and certify.lti.browser).
@blp.route("/login", methods=["GET", "POST"])
@public
@writes_on_read  # LTI's login initiation may come as a GET; it stores the state and nonce
def login():
    params = request.values.to_dict()
    # In a window of its own the login has no platform frame to keep its state in.
    storage_target = None if params.get(NEW_WINDOW_PARAMETER) else clean_storage_target(
        params.get("lti_storage_target"))
    oidc = CertifyOIDCLogin(lti_request(params, secure=request.is_secure), DatabaseToolConf(),
                            launch_url=tool_url("lti.launch"))
    with attempt(catch=LaunchRefused, on_error=lambda _error: None) as initiated:
        purge_expired()
        login_state, auth_url = oidc.prepare(storage_target=storage_target)
    if not initiated.succeeded:
        return _refused(initiated.error)
    if params.get(NEW_WINDOW_PARAMETER):
        # Re-posted by the login page into a window of certify's own: cookies work there.
        response = redirect(auth_url)
    else:
        response = make_response(render_template(
            "lti/login.html", auth_url=auth_url, login=login_state,
            storage_origin=origin_of(login_state.platform.auth_login_url),
            login_fields={name: value for name, value in params.items()
                          if name != NEW_WINDOW_PARAMETER}))
    remember_login_in_browser(response, login_state.state, secure=_secure(),
                              max_age=int(settings.setting("LOGIN_MINUTES")) * 60)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/launch")
@public
def launch_address():
    """Platforms check a tool's address with a GET (Moodle's link checker): say what it is."""
    return render_template("lti/launch_address.html")


@blp.post("/launch")
@public
def launch():
    state = request.form.get("state", "")
    message_launch = CertifyMessageLaunch(
        lti_request(request.form.to_dict(), secure=request.is_secure), DatabaseToolConf(),
        cookies=request.cookies,
        storage_checked=request.form.get(STORAGE_CHECKED) == "1" and _from_certify_itself())
    with attempt(catch=(DomainError, PlatformStorageCheck),
                 on_error=lambda _error: None) as launched:
        message_launch.validate()
        outcome = services.accept_launch(message_launch.platform, message_launch.claims,
                                         now=utcnow(),
                                         deep_linking=message_launch.is_deep_linking())
        if outcome.staff and outcome.context is not None and outcome.context.memberships_url:
            schedule_roster_sync(outcome.context)  # instructors' launches keep the roster fresh
    if isinstance(launched.error, PlatformStorageCheck):
        return _check_platform_storage(launched.error.login)
    if not launched.succeeded:
        return _refused(_as_refusal(launched.error))
    launch_id = message_launch.get_launch_id()
    cookies_kept = bool(request.cookies.get(state_cookie_name(state)))
    if not cookies_kept and not message_launch.is_deep_linking():
        handoff = remember_handoff(launch_id, outcome)
    session[FRAME_SESSION] = True
    login_user(outcome.person)
    if message_launch.is_deep_linking():
        response = redirect(url_for("lti.deep_link", launch_id=launch_id,
                                    token=deep_linking.picker_token(launch_id)))
    elif not cookies_kept:
        # The state was found in the platform's storage: this frame keeps no cookie, so the
        # session would be lost on the next page. Ask for storage access, or a new window.
        response = make_response(render_template("lti/keep_signed_in.html", handoff=handoff))
    else:
        response = redirect(url_for(outcome.endpoint, **outcome.values))
    forget_login_in_browser(response, state, secure=_secure())
    return response


def _as_refusal(error: DomainError) -> LaunchRefused:
    if isinstance(error, LaunchRefused):
        return error
    return LaunchRefused(error.message, check=error.code,
                         status=403 if error.status == 403 else 400)


def _check_platform_storage(login_state):
    """The page that finds the state in the platform's storage and posts the launch again."""
    response = make_response(render_template(
        "lti/storage_check.html", login=login_state, fields=request.form.to_dict(),
        storage_origin=origin_of(login_state.platform.auth_login_url),
        checked_field=STORAGE_CHECKED))
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.post("/continue")
@public
def continue_launch():
    """A launch whose frame kept no cookie goes on here: in a new window, or in the frame once
    the browser granted storage access. Authorised by the launch's single-use handoff."""
    target = take_handoff(request.form.get("launch_id", ""), request.form.get("token"))
    if target is None:
        return _refused(LaunchRefused(_("This link to continue has expired or was already "
                                        "used. Open the activity again from the course."),
                                      check="handoff"))
    person = db.session.get(Person, target.person_id)
    if person is None or not person.active:
        return _refused(LaunchRefused(_("Your certify account is deactivated; ask the "
                                        "programme's managers."), check="person"))
    session[FRAME_SESSION] = request.form.get("partitioned") != "0"
    login_user(person)
    return redirect(url_for(target.endpoint, **target.values))


csrf.exempt(login)
csrf.exempt(launch)
csrf.exempt(continue_launch)


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
@writes_on_read  # LTI dynamic registration: the platform opens this address
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
    # Moodle shows this page in a frame before the platform exists in certify.
    permit_framing_by(configuration_url)
    with attempt(catch=(PlatformError, ValidationError), on_error=lambda _error: None) as done:
        platform = register_with_platform(configuration_url,
                                          request.args.get("registration_token"), invite=invite)
    if not done.succeeded:
        message = done.error.message
        log.warning("Dynamic registration with %s failed: %s", configuration_url, message)
        return render_template("lti/registered.html", platform=None, error=message), 400
    return render_template("lti/registered.html", platform=platform, error=None,
                           warnings=certify_address_warnings()
                           + platform_address_warnings(platform))


# --- the activity picker (deep linking) --------------------------------------------------------

def _deep_linking_launch(launch_id: str, token: str | None) -> CertifyMessageLaunch:
    """The deep-linking launch ``launch_id``, if ``token`` is the picker token certify gave
    for it: the launch authorises the picker, whatever cookies the browser keeps."""
    if not deep_linking.picker_token_opens(token, launch_id):
        raise PermissionDenied(_("This activity chooser has expired or its address is "
                                 "incomplete. Open it again from the course."))
    message_launch = restore_launch(launch_id, lti_request({}, secure=request.is_secure))
    if message_launch is None or not message_launch.is_deep_linking():
        raise NotFound(_("This activity chooser has expired. Open it again from the course."))
    return message_launch


@blp.route("/deep-link/<launch_id>", methods=["GET", "POST"])
@public
def deep_link(launch_id: str):
    form = DeepLinkForm()
    token = form.token.data or request.args.get("token")
    message_launch = _deep_linking_launch(launch_id, token)
    programme = services.programme_of(message_launch.registered_platform())
    if programme is None:
        raise PermissionDenied(_("The platform is not linked to a programme in certify: a "
                                 "manager must choose one."))
    form.token.data = token
    locale = current_language()
    form.targets.choices = [(choice.value, choice.title)
                            for choice in deep_linking.choices(programme, locale)]
    if form.validate_on_submit():
        try:
            return_url, answer = deep_linking.answer(message_launch, form.targets.data or [],
                                                     programme, locale)
        except ValidationError as error:
            form.targets.errors = list(error.errors.get("targets", [error.message]))
        else:
            return render_template("lti/deep_link_return.html", return_url=return_url,
                                   token=answer, count=len(set(form.targets.data)))
    status = 422 if form.errors else 200
    response = make_response(render_template(
        "lti/deep_link.html", form=form, programme=programme,
        multiple=deep_linking.accepts_multiple(message_launch)), status)
    # The address carries the token: never cached; core's Referrer-Policy
    # (strict-origin-when-cross-origin) never sends it to another site.
    response.headers["Cache-Control"] = "no-store"
    return response


# The picker token, required on every request, is what a forged post cannot carry: it
# replaces the session's CSRF token, which a frame without cookies does not have.
csrf.exempt(deep_link)


# The manager pages live in their own module, on this blueprint.
from certify.lti import admin_views  # noqa: E402,F401 - registers them
