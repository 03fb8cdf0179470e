"""Alembic environment: the metadata of every certify model, from the running app's database."""

import logging
from logging.config import fileConfig

from alembic import context

from certify import AREAS, area_module
from certify.db import UTCDateTime
from certify.extensions import db

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

for area in AREAS:  # every area's models, so autogenerate sees them all
    area_module(area, "models")
import certify.core.audit  # noqa: E402,F401 - core's own tables
import certify.core.jobs  # noqa: E402,F401
import certify.core.mail  # noqa: E402,F401
target_metadata = db.metadata


def render_item(type_, obj, autogen_context):
    """Write certify's column types as the plain SQLAlchemy types they store as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options() -> dict:
    # Batch mode lets SQLite alter tables by copying them; it is a no-op on PostgreSQL.
    return {"target_metadata": target_metadata, "compare_type": True, "render_as_batch": True,
            "render_item": render_item}


def run_migrations_offline() -> None:
    context.configure(url=str(db.engine.url), literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode copies a table and drops the old one; with foreign keys enforced that
            # drop fails (or cascades) for every row pointing at it, e.g. cohorts at a programme.
            # SQLite's advice for altering tables: keys off during the change, checked before
            # it commits. Set outside any transaction, where SQLite honours it.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, process_revision_directives=skip_empty,
                              **_options())
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    # A migration may rewrite a large table: the request timeouts do not apply.
                    connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                    connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration leaves rows without their parent: "
                                           f"{broken[:5]}")
        finally:
            if sqlite:
                # Never back to the pool with keys off: a PRAGMA inside the transaction the
                # connection may still hold would not take. A new connection turns them on.
                connection.invalidate()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
