"""One app per database for the whole session; every test inside a rolled-back transaction.

The suite runs on SQLite, and also on PostgreSQL when CERTIFY_TEST_DATABASE_URL
is set: the ``database`` fixture is parametrised, so each test shows up as
``test_x[sqlite]`` and ``test_x[postgresql]``. The schema is built by running
the Alembic migrations, so the migrations are exercised on both backends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm
from flask import Flask
from flask_login.utils import _create_identifier

from certify import create_app
from certify.extensions import db

# The access-matrix harness asserts on the tests' behalf: show its failures as pytest does.
pytest.register_assert_rewrite("tests.access_matrix")

POSTGRES_URL = os.environ.get("CERTIFY_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def pytest_collection_modifyitems(config, items):
    """Browser tests and SQLite-only checks run once, on SQLite; postgres_only tests only there."""
    keep, drop = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("database")
        if backend == "postgresql" and item.get_closest_marker("e2e"):
            drop.append(item)
        elif backend == "sqlite" and item.get_closest_marker("postgres_only"):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def database_url(backend: str, tmp_path_factory) -> str:
    if backend == "postgresql":
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def reset_database(app: Flask) -> None:
    """Start from an empty database and build the schema with the migrations."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
        flask_migrate.upgrade()



def make_app(url: str, instance_path: str, **extra) -> Flask:
    os.environ["CERTIFY_INSTANCE_PATH"] = instance_path
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "BASE_URL": "https://certify.test",
    }
    config.update(extra)
    from certify.config import normalise_database_url

    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    return create_app(config)


def isolate_requests(app: Flask) -> None:
    """Give each test request a fresh ``g``, as in production.

    Tests keep an app context open, and Flask reuses it for requests made by the
    test client; without this, the signed-in user cached in ``g`` would leak
    from one request to the next.
    """
    from flask import g, request_started

    def clear_g(sender, **_extra):
        g.__dict__.clear()

    request_started.connect(clear_g, app, weak=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(database, tmp_path_factory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp(f"instance-{database}")
    app = make_app(database_url(database, tmp_path_factory), str(instance))
    reset_database(app)
    isolate_requests(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app) -> Iterator[None]:
    """Run the test inside an outer transaction that is rolled back at the end.

    SQLAlchemy's "joining a session into an external transaction" recipe: code
    under test may commit; its commits release savepoints, never the outer
    transaction.
    """
    if request.node.get_closest_marker("e2e") or request.node.get_closest_marker("committing"):
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain Session: Flask-SQLAlchemy's own would pick the engine over this bind.
        db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client, app):
    """Sign ``person`` in on the test client without going through the form."""

    def login(person):
        # Flask-Login's "strong" session protection checks this identifier of address + agent.
        with app.test_request_context(environ_base=dict(client.environ_base)):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session["_user_id"] = person.get_id()
            session["_fresh"] = True
            session["_id"] = identifier
        return person

    return login


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a ``with count_queries() as counter:`` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = {"n": 0}

        def before(*_args, **_kwargs):
            counter["n"] += 1

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


from tests.factories import *  # noqa: E402,F401,F403 - fixtures for every test
