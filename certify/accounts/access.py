"""Who may do what: the one decorator every view and API endpoint goes through.

``@require_role("manager")`` lets in managers (and admins, who hold every
role); ``@require_role()`` any signed-in person; ``@public`` marks a view that
needs no account. A test walks the URL map and fails on any endpoint with
neither, so a new view cannot forget its check.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps

from flask import Request, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from certify.accounts.models import Person, Role
from certify.core.errors import PermissionDenied
from certify.core.http import public, wants_json  # noqa: F401 - public is re-exported
from certify.core.transactions import after_the_request
from certify.extensions import csrf, db, login_manager

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def require_role(*roles: Role | str) -> Callable:
    """Allow signed-in people holding any of ``roles`` (any signed-in person if none)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if wants_json():
                    raise Unauthorized(www_authenticate=WWWAuthenticate("bearer"))
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                raise PermissionDenied(_("You do not have permission to do this."))
            return view(*args, **kwargs)

        wrapped.access_roles = tuple(Role(role) for role in roles)  # read by the access test
        return wrapped

    return decorator


def current_person() -> Person:
    """The signed-in person (views only; services take the person as an argument)."""
    return current_user._get_current_object()


@login_manager.user_loader
def _load_user(session_id: str) -> Person | None:
    """The person a session or remember cookie names, if its stamp is still theirs.

    ``session_id`` is ``Person.get_id()`` as it was at sign-in: after a sign-out, a password
    change, a deactivation or "sign out everywhere" the stamp differs and a copied cookie
    signs nobody in. Inactive people are refused as well.
    """
    person_id, _, stamp = session_id.partition(":")
    if not person_id.isdigit():
        return None
    person = db.session.get(Person, int(person_id))
    if person is None or not person.active or not secrets.compare_digest(
            person.session_stamp.encode(), stamp.encode()):
        return None
    return person


@login_manager.request_loader
def _load_user_from_token(req: Request) -> Person | None:
    from certify.accounts.services import authenticate_api_token

    header = req.headers.get("Authorization", "")
    if not req.path.startswith("/api/") or not header.lower().startswith("bearer "):
        return None
    token = authenticate_api_token(header[7:].strip())
    if token is None:
        return None
    g.api_token = token
    return token.person


def guard_api_request() -> None:
    """Check API callers before the body is parsed: who they are, their role, CSRF.

    ``require_role`` on each endpoint stays the rule; checking here too means an
    anonymous or unauthorised caller learns nothing from validation errors.
    API calls made with the session cookie need the CSRF token; token calls do not.
    """
    if not request.path.startswith("/api/"):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    roles = getattr(view, "access_roles", None)  # None: public, or no such endpoint (404)
    if roles is not None:
        if not current_user.is_authenticated:
            raise Unauthorized(www_authenticate=WWWAuthenticate("bearer"))
        if roles and not current_user.has_role(*roles):
            raise PermissionDenied(_("You do not have permission to do this."))
    if request.method not in SAFE_METHODS and current_user.is_authenticated and "api_token" not in g:
        csrf.protect()


def _note_token_use(response):
    """After the request's own transaction: when the API token was last used (hourly)."""
    from certify.accounts.services import record_token_use, token_use_is_due

    token = g.get("api_token")
    if token is not None and token_use_is_due(token):
        with after_the_request():
            record_token_use(token.id)
    return response


def init_access(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    app.before_request(guard_api_request)
    app.after_request(_note_token_use)
