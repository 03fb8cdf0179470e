"""Reading programmes and modules."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from certify.core.errors import NotFound
from certify.core.lookups import get_or_not_found
from certify.extensions import db
from certify.programmes.models import Module, Programme


def programmes_query() -> sa.Select:
    return sa.select(Programme).order_by(Programme.code)


def get_programme(programme_id: int) -> Programme:
    return get_or_not_found(
        Programme, programme_id, _("There is no programme with id %(id)s.", id=programme_id))


def get_programme_by_code(code: str) -> Programme:
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == code))
    if programme is None:
        raise NotFound(_("There is no programme with code %(code)s.", code=code))
    return programme


def get_module(module_id: int) -> Module:
    return get_or_not_found(
        Module, module_id, _("There is no module with id %(id)s.", id=module_id))


def get_module_by_code(programme: Programme, code: str) -> Module:
    for module in programme.modules:
        if module.code == code:
            return module
    raise NotFound(_("Programme %(programme)s has no module %(code)s.", programme=programme.code, code=code))
