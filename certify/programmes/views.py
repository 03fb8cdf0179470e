"""Pages for staff: the programmes, their modules and certification rules."""

from __future__ import annotations

from flask import Blueprint, render_template

from certify.accounts.access import require_role
from certify.accounts.models import Role
from certify.extensions import db
from certify.programmes import services

blp = Blueprint("programmes", __name__)


@blp.get("/programmes")
@require_role(Role.MANAGER, Role.TUTOR)
def index():
    programmes = db.session.scalars(services.programmes_query()).all()
    return render_template("programmes/index.html", programmes=programmes)


@blp.get("/programmes/<int:programme_id>")
@require_role(Role.MANAGER, Role.TUTOR)
def programme(programme_id: int):
    return render_template("programmes/programme.html",
                           programme=services.get_programme(programme_id))


@blp.get("/programmes/<int:programme_id>/modules/<code>")
@require_role(Role.MANAGER, Role.TUTOR)
def module(programme_id: int, code: str):
    programme = services.get_programme(programme_id)
    return render_template("programmes/module.html", programme=programme,
                           module=services.get_module_by_code(programme, code))
