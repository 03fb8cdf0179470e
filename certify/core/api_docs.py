"""Serves Swagger UI's files from the swagger-ui-bundle package: /api/docs needs no CDN."""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from certify.core.http import public

blp = Blueprint("api_docs_assets", __name__)


@blp.get("/api/docs/assets/<path:filename>")
@public
def asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
