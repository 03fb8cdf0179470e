"""certify: certification and learning management for public innovation programmes."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from certify.areas import AREAS, area_module  # noqa: F401 - certify.AREAS is the registry

PROJECT_ROOT = Path(__file__).resolve().parent.parent

def create_app(config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints and CLI, nothing else."""
    from certify.config import build_config

    instance_path = os.environ.get("CERTIFY_INSTANCE_PATH", str(PROJECT_ROOT / "instance"))
    app = Flask(__name__, instance_path=instance_path,
                template_folder=str(PROJECT_ROOT / "templates"))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(build_config(app.instance_path))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    if config:
        app.config.update(config)

    _init_extensions(app)
    _register_areas(app)
    from certify.core.transactions import init_transactions

    init_transactions(app)  # every view registered above runs in one unit of work
    from certify.certificates.kept_answers import answer_crowds

    answer_crowds(app)  # a crowd's repeated verifications, answered before Flask
    return app


def _init_extensions(app: Flask) -> None:
    from certify.accounts.access import init_access
    from certify.core import api_docs
    from certify.core.db_setup import init_database
    from certify.core.http import register_error_handlers
    from certify.core.i18n import select_locale, select_timezone
    from certify.core.metrics import init_metrics
    from certify.core.request_guards import init_request_guards
    from certify.core.request_log import init_request_log
    from certify.core.security_headers import init_security_headers
    from certify.core.static_files import init_static_files
    from certify.core.templating import init_templating
    from certify.extensions import api, babel, csrf, db, limiter, login_manager, migrate

    init_request_log(app)
    init_metrics(app)
    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    app.register_blueprint(api_docs.blp)
    init_access(app)
    init_request_guards(app)
    register_error_handlers(app)
    init_templating(app)
    init_static_files(app)
    init_security_headers(app)


def _register_areas(app: Flask) -> None:
    from certify.extensions import api, csrf

    for area in AREAS:
        area_module(area, "content")
        area_module(area, "subscribers")
        if views := area_module(area, "views"):
            app.register_blueprint(views.blp)
        if api_module := area_module(area, "api"):
            csrf.exempt(api_module.blp)  # see accounts.access.guard_api_request
            api.register_blueprint(api_module.blp)
        if cli := area_module(area, "cli"):
            for command in cli.commands:
                app.cli.add_command(command)
