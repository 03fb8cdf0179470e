"""The start page and the navigation, which depend on who is signed in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from certify.accounts.access import current_person, public
from certify.accounts.models import Role
from certify.core.i18n import current_language

blp = Blueprint("home", __name__)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[Role, ...]
    group: str | None = None  # items of a group share one drop-down menu


# The setting-up pages a manager visits rarely: one menu, so the header fits one row.
ADMINISTRATION = _l("Administration")

# Order is the order in the menu; an item shows when the person holds one of its roles.
NAV = (
    NavItem("progress.my_programme", _l("My programme"), (Role.OFFICIAL,)),
    NavItem("attendance.index", _l("Sessions"), (Role.OFFICIAL, Role.TUTOR, Role.MANAGER)),
    NavItem("surveys.my_surveys", _l("Surveys"), (Role.OFFICIAL,)),
    NavItem("certificates.my_certificates", _l("My certificates"), (Role.OFFICIAL,)),
    NavItem("cohorts.index", _l("Cohorts"), (Role.MANAGER, Role.TUTOR)),
    NavItem("submissions.queue", _l("Grading"), (Role.MANAGER, Role.TUTOR)),
    NavItem("programmes.index", _l("Programmes"), (Role.MANAGER, Role.TUTOR), ADMINISTRATION),
    NavItem("reports.dashboard", _l("Dashboard"), (Role.MANAGER,)),
    NavItem("certificates.register", _l("Certificates"), (Role.MANAGER,)),
    NavItem("accounts.people", _l("People"), (Role.MANAGER,), ADMINISTRATION),
    NavItem("accounts.municipalities", _l("Municipalities"), (Role.MANAGER,), ADMINISTRATION),
    NavItem("lti.platforms_page", _l("Moodle"), (Role.MANAGER,), ADMINISTRATION),
)

ROLE_LABELS = {Role.OFFICIAL: _l("Official"), Role.TUTOR: _l("Tutor"),
               Role.MANAGER: _l("Manager"), Role.ADMIN: _l("Administrator")}


@blp.app_context_processor
def _navigation():
    def nav_items():
        """Links, and groups ({label, menu, active}) where a group has two links or more."""
        if not current_user.is_authenticated:
            return []
        visible = [item for item in NAV if current_user.has_role(*item.roles)]
        sizes = Counter(item.group for item in visible if item.group)
        entries, groups = [], {}
        for item in visible:
            link = {"url": url_for(item.endpoint), "label": str(item.label),
                    "active": request.endpoint == item.endpoint}
            if sizes.get(item.group, 0) < 2:
                entries.append(link)
            elif item.group in groups:
                groups[item.group]["menu"].append(link)
            else:
                groups[item.group] = {"label": str(item.group), "menu": [link]}
                entries.append(groups[item.group])
        for group in groups.values():
            group["active"] = any(link["active"] for link in group["menu"])
        return entries

    def role_label(role) -> str:
        return str(ROLE_LABELS.get(Role(role), role))

    def country_name(country) -> str:
        from babel import Locale

        return Locale.parse(current_language()).territories.get(country.code, country.name)

    return {"nav_items": nav_items, "role_label": role_label, "country_name": country_name}


@blp.get("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico on every site, whatever the page links; answer it."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@blp.get("/")
@public
def index():
    """Send each person to their first task: officials to their programme, staff to cohorts."""
    if not current_user.is_authenticated:
        return render_template("home/welcome.html")
    person = current_person()
    if person.has_role(Role.MANAGER, Role.TUTOR):
        return redirect(url_for("cohorts.index"))
    if person.has_role(Role.OFFICIAL):
        return redirect(url_for("progress.my_programme"))
    return render_template("home/welcome.html", message=_("Your account has no role yet."))
