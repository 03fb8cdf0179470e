"""Pages: sign in and out, own account and API tokens, people and municipalities."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from certify.accounts import services
from certify.accounts.access import current_person, public, require_role
from certify.accounts.forms import (
    ImportForm,
    LoginForm,
    PasswordForm,
    PersonForm,
    PreferencesForm,
    TokenForm,
)
from certify.accounts.importing import TEMPLATE_CSV, import_people
from certify.accounts.models import ApiToken, Country, Municipality, Person, Role
from certify.core.confirmation import Confirmation, confirmation_page, is_confirmed
from certify.core.csv_import import import_uploaded_csv
from certify.core.errors import DomainError, PermissionDenied
from certify.core.i18n import LOCALE_COOKIE
from certify.core.lookups import get_or_not_found
from certify.core.timezones import zone_choices
from certify.core.transactions import attempt
from certify.extensions import db, limiter

blp = Blueprint("accounts", __name__)



def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after signing in."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=lambda: request.form.get("email", "").lower())
def login():
    form = LoginForm()
    if form.validate_on_submit():
        person = services.authenticate(form.email.data, form.password.data)
        if person is not None:
            login_user(person, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("The e-mail or password is not correct."), "error")
        return render_template("accounts/login.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@blp.post("/logout")
@require_role()
def logout():
    services.end_sessions(current_person())  # a copied cookie must not outlive the sign-out
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("accounts.login"))


@blp.post("/locale")
@public
def set_locale():
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LOCALES"]:
        raise DomainError(_("Unknown language."))
    if current_user.is_authenticated:
        services.update_person(current_person(), preferred_locale=locale)
    response = redirect(_safe_next(request.form.get("next")))
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


# --- own account -------------------------------------------------------------------------------

@blp.route("/account", methods=["GET", "POST"])
@require_role()
def account():
    person = current_person()
    preferences = PreferencesForm(prefix="prefs", obj=person)
    preferences.time_zone.choices = zone_choices()
    if "prefs-time_zone" not in request.form:  # the zone read in now, chosen or defaulted
        preferences.time_zone.data = person.zone_name or current_app.config[
            "BABEL_DEFAULT_TIMEZONE"]
    password = PasswordForm(prefix="pw")
    if request.method == "POST" and "prefs-preferred_locale" in request.form and preferences.validate():
        services.update_person(person, actor=person,
                               preferred_locale=preferences.preferred_locale.data,
                               time_zone=preferences.time_zone.data)
        flash(_("Your preferences were saved."), "success")
        return redirect(url_for("accounts.account"))
    if request.method == "POST" and "pw-new_password" in request.form and password.validate():
        if services.authenticate(person.email, password.current_password.data) is None:
            password.current_password.errors.append(_("This is not your current password."))
        else:
            with attempt(on_error=lambda error: password.new_password.errors.append(
                    error.message)) as outcome:
                services.set_password(person, password.new_password.data)
            if outcome.succeeded:
                login_user(person)  # this browser stays signed in; every other one is not
                flash(_("Your password was changed."), "success")
                return redirect(url_for("accounts.account"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/account.html", person=person, preferences=preferences,
                           password=password), status


@blp.route("/account/tokens", methods=["GET", "POST"])
@require_role()
def tokens():
    person = current_person()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = services.issue_api_token(
            person, form.name.data, expires_in_days=form.expires_in_days.data)
        form = TokenForm(formdata=None)
    status = 422 if form.errors else 200
    return render_template("accounts/tokens.html", tokens=services.tokens_of(person), form=form,
                           new_token=new_token), status


@blp.post("/account/tokens/<int:token_id>/revoke")
@require_role()
def revoke_token(token_id: int):
    token = get_or_not_found(
        ApiToken, token_id, _("There is no such token."),
        visible=lambda token: token.person_id == current_person().id)
    services.revoke_api_token(token, actor=current_person())
    flash(_("The token was revoked."), "success")
    return redirect(url_for("accounts.tokens"))


# --- people (managers) -------------------------------------------------------------------------

def _municipality_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(services.municipalities_query()).all()
    return [(0, "—")] + [(m.id, f"{m.name} ({m.region.country.code})") for m in rows]


@blp.get("/people")
@require_role(Role.MANAGER)
def people():
    filters = {
        "search": request.args.get("q") or None,
        "role": request.args.get("role") if request.args.get("role") in set(Role) else None,
        "country_code": request.args.get("country") or None,
    }
    page = db.paginate(services.people_query(**filters), per_page=50, error_out=False)
    countries = db.session.scalars(sa.select(Country).order_by(Country.name)).all()
    return render_template("accounts/people.html", page=page, filters=filters, countries=countries,
                           roles=list(Role))


@blp.route("/people/new", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def new_person():
    form = PersonForm()
    form.municipality_id.choices = _municipality_choices()
    if form.validate_on_submit():
        with attempt(form, flash_other=True) as outcome:
            person = services.create_person(roles=_grantable_roles(form.roles.data),
                                            actor=current_person(), **_person_fields(form))
        if outcome.succeeded:
            flash(_("%(name)s was added.", name=person.full_name), "success")
            return redirect(url_for("accounts.person", person_id=person.id))
    status = 422 if form.errors else 200
    return render_template("accounts/person_form.html", form=form, person=None), status


@blp.route("/people/<int:person_id>", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def person(person_id: int):
    person = _person_to_change(person_id)
    form = PersonForm(obj=person, roles=[grant.role.value for grant in person.role_grants])
    form.municipality_id.choices = _municipality_choices()
    if request.method == "GET":
        form.municipality_id.data = person.municipality_id or 0
        form.gender.data = person.gender.value if person.gender else ""
    if form.validate_on_submit():
        with attempt(form, flash_other=True) as outcome:
            actor = current_person()
            services.update_person(person, actor=actor, **_person_fields(form))
            wanted = set(_grantable_roles(form.roles.data))
            for role in set(Role) - wanted:
                services.revoke_role(person, role, actor=actor)
            for role in wanted:
                services.grant_role(person, role, actor=actor)
        if outcome.succeeded:
            flash(_("The changes were saved."), "success")
            return redirect(url_for("accounts.person", person_id=person.id))
    status = 422 if form.errors else 200
    return render_template("accounts/person_form.html", form=form, person=person), status


def _person_to_change(person_id: int) -> Person:
    """The person a manager may act on: only administrators act on an administrator."""
    person = services.get_person(person_id)
    if Role.ADMIN in person.roles and Role.ADMIN not in current_person().roles:
        raise PermissionDenied(_("Only administrators may change an administrator's account."))
    return person


@blp.post("/people/<int:person_id>/sign-out-everywhere")
@require_role(Role.MANAGER)
def sign_out_everywhere(person_id: int):
    person = _person_to_change(person_id)
    services.end_sessions(person)
    flash(_("%(name)s was signed out on every device.", name=person.full_name), "success")
    return redirect(url_for("accounts.person", person_id=person.id))


@blp.post("/people/<int:person_id>/deactivate")
@require_role(Role.MANAGER)
def deactivate_person(person_id: int):
    """First post: a page saying what happens; the confirmed post deactivates (audit-logged
    and every session ended by the service)."""
    person = _person_to_change(person_id)
    if not is_confirmed():
        return confirmation_page(Confirmation(
            title=_("Deactivate the account of %(name)s?", name=person.full_name),
            consequences=[
                _("%(name)s can no longer sign in, with a password, an LTI launch or an API "
                  "token.", name=person.full_name),
                _("Every session and “remember me” of %(name)s ends now, on every device.",
                  name=person.full_name),
                _("Their records and certificates stay as they are."),
            ],
            people=1, reversible=True,
            undo=_("A manager can reactivate the account from this person's page."),
            action=url_for("accounts.deactivate_person", person_id=person.id),
            confirm_label=_("Yes, deactivate the account"),
            cancel_url=url_for("accounts.person", person_id=person.id), danger=True))
    services.update_person(person, actor=current_person(), active=False)
    flash(_("The account of %(name)s was deactivated.", name=person.full_name), "success")
    return redirect(url_for("accounts.person", person_id=person.id))


@blp.post("/people/<int:person_id>/reactivate")
@require_role(Role.MANAGER)
def reactivate_person(person_id: int):
    person = _person_to_change(person_id)
    services.update_person(person, actor=current_person(), active=True)
    flash(_("The account of %(name)s was reactivated.", name=person.full_name), "success")
    return redirect(url_for("accounts.person", person_id=person.id))


def _grantable_roles(requested: list[str]) -> list[Role]:
    """Only administrators may hand out the administrator role."""
    roles = [Role(value) for value in requested]
    if Role.ADMIN in roles and Role.ADMIN not in current_person().roles:
        roles.remove(Role.ADMIN)
    return roles


def _person_fields(form: PersonForm) -> dict:
    municipality = db.session.get(Municipality, form.municipality_id.data or 0)
    return {
        "email": form.email.data, "given_names": form.given_names.data,
        "family_names": form.family_names.data, "municipality": municipality,
        "position": form.position.data, "gender": form.gender.data or None,
        "birth_year": form.birth_year.data, "preferred_locale": form.preferred_locale.data,
    }


@blp.route("/people/import", methods=["GET", "POST"])
@require_role(Role.MANAGER)
def import_people_page():
    form = ImportForm()
    report, rejected = import_uploaded_csv(
        form, lambda text: import_people(text, skip_invalid=form.skip_invalid.data))
    status = 422 if (form.errors or rejected) else 200
    return render_template("accounts/import.html", form=form, report=report,
                           rejected=rejected), status


@blp.get("/people/import/template.csv")
@require_role(Role.MANAGER)
def import_template():
    return Response(TEMPLATE_CSV, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=officials-template.csv"})


@blp.get("/municipalities")
@require_role(Role.MANAGER)
def municipalities():
    filters = {"country_code": request.args.get("country") or None,
               "kind": request.args.get("kind") if request.args.get("kind") in {"rural", "urban"} else None,
               "search": request.args.get("q") or None}
    query = services.municipalities_query(**filters)
    page = db.paginate(query, per_page=100, error_out=False)
    officials = dict(db.session.execute(
        sa.select(Person.municipality_id, sa.func.count(Person.id)).group_by(Person.municipality_id)
    ).all())
    countries = db.session.scalars(sa.select(Country).order_by(Country.name)).all()
    return render_template("accounts/municipalities.html", page=page, filters=filters,
                           officials=officials, countries=countries)
