"""The Alembic migrations build exactly the schema the models describe.

Checked on a database of its own, built by the migrations alone, so nothing the
test harness does to the shared test database can hide a missing migration.
"""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from certify.extensions import db
from tests.conftest import make_app


@pytest.fixture
def migrated_url(app, database, tmp_path):
    if database == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    server = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{server.database}_migrations"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.mark.committing
def test_migrations_and_models_agree(migrated_url, tmp_path):
    migrated = make_app(migrated_url, str(tmp_path / "instance"))
    with migrated.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


@pytest.mark.one_database
def test_after_migrating_sqlite_enforces_foreign_keys_again(migrated_url, tmp_path):
    """Migrations run with SQLite's foreign keys off; no connection keeps them off after."""
    migrated = make_app(migrated_url, str(tmp_path / "instance"))
    with migrated.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        db.engine.dispose()
    assert enforced == 1
