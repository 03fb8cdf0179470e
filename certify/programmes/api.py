"""JSON API for programmes and modules, under /api/v1 (read-only)."""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from certify.accounts.access import require_role
from certify.core.http import paginate_api
from certify.core.rest import documents_errors
from certify.programmes import services
from certify.programmes.models import Programme
from certify.programmes.schemas import (
    ModuleSchema,
    ModuleSummarySchema,
    ProgrammeSchema,
    ProgrammeSummarySchema,
)

blp = Blueprint("programmes_api", __name__, url_prefix="/api/v1")

_ERROR_DESCRIPTIONS = {401: "No valid session or Bearer token.", 404: "No such record."}



@blp.route("/programmes", methods=["GET"], tags=["Programmes and cohorts"])
@blp.response(200, ProgrammeSummarySchema(many=True))
@blp.paginate()
@documents_errors(blp, 401)
@require_role()
def list_programmes(pagination_parameters):
    """List programmes, by code (anyone signed in)."""
    query = services.programmes_query().options(selectinload(Programme.modules))
    return paginate_api(query, pagination_parameters)


@blp.route("/programmes/<int:programme_id>", methods=["GET"], tags=["Programmes and cohorts"])
@blp.response(200, ProgrammeSchema)
@documents_errors(blp, 401, 404)
@require_role()
def get_programme(programme_id: int):
    """One programme with its modules, total hours, certification rules and signatories."""
    return services.get_programme(programme_id)


@blp.route("/programmes/<int:programme_id>/modules", methods=["GET"], tags=["Programmes and cohorts"])
@blp.response(200, ModuleSummarySchema(many=True))
@documents_errors(blp, 401, 404)
@require_role()
def list_modules(programme_id: int):
    """The programme's modules, in order (anyone signed in)."""
    return services.get_programme(programme_id).modules


@blp.route("/modules/<int:module_id>", methods=["GET"], tags=["Programmes and cohorts"])
@blp.response(200, ModuleSchema)
@documents_errors(blp, 401, 404)
@require_role()
def get_module(module_id: int):
    """One module with its content and learning outcomes; its quiz is never included."""
    return services.get_module(module_id)
