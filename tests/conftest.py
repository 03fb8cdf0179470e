"""One app per database for the whole session; every test inside a rolled-back transaction.

The suite runs on SQLite, and also on PostgreSQL when CERTIFY_TEST_DATABASE_URL
is set: the ``database`` fixture is parametrised, so each test shows up as
``test_x[sqlite]`` and ``test_x[postgresql]``. The schema is built by running
the Alembic migrations, so the migrations are exercised on both backends.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask_login.utils import _create_identifier
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm

from certify import create_app
from certify.demo.builder import DemoReport
from certify.extensions import db

# The access-matrix harness asserts on the tests' behalf: show its failures as pytest does.
pytest.register_assert_rewrite("tests.access_matrix")

POSTGRES_URL = os.environ.get("CERTIFY_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """Choose each test's databases and keep tests that share a costly world on one worker.

    Browser tests and tests marked ``one_database`` (their outcome cannot depend on the database:
    access matrices, page rendering, pure functions) run once, on SQLite; ``postgres_only`` tests
    only on PostgreSQL. Under pytest-xdist (``--dist loadgroup``) the browser tests share one
    worker and one live server, and the demo world's tests share one worker and one build.
    """
    keep, drop = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("database")
        single = item.get_closest_marker("e2e") or item.get_closest_marker("one_database")
        if (backend == "postgresql" and single
                or backend == "sqlite" and item.get_closest_marker("postgres_only")):
            drop.append(item)
        else:
            keep.append(item)
        for marker, group in (("e2e", "browser"), ("demo_world", "demo"), ("broker", "broker")):
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.xdist_group(group))
                break
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def postgres_url(purpose: str = "") -> str:
    """A PostgreSQL database of this test process's own, created when missing.

    Under pytest-xdist each worker gets ``<name>_gw0``, ``<name>_gw1``...; ``purpose`` names a
    second database beside it (the demo world's)."""
    suffix = "".join(f"_{part}" for part in (os.environ.get("PYTEST_XDIST_WORKER"), purpose) if part)
    if not suffix:
        return POSTGRES_URL
    server = sa.make_url(POSTGRES_URL)
    name = f"{server.database}{suffix}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": name})
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def database_url(backend: str, tmp_path_factory) -> str:
    if backend == "postgresql":
        return postgres_url()
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
        "COUNT_FLUSH_SECONDS": 0,  # verification counts written when a test says so
        # Platforms changed in this process drop the cached framing origins at once; a timed
        # reload would add one query to whichever request it falls on (query-count tests).
        "FRAME_ANCESTORS_MAX_AGE": 24 * 3600,
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


@dataclass(frozen=True)
class DemoWorld:
    """The demo world (`certify demo`), built and committed once per database and test process."""

    app: Flask
    folder: Path
    cohort_id: int
    logins: tuple[tuple[str, str], ...]
    pilot_certificates: int

    def report(self) -> DemoReport:
        """The build's report, its cohort loaded in the current session."""
        from certify.cohorts.models import Cohort

        return DemoReport(logins=list(self.logins), cohort=db.session.get(Cohort, self.cohort_id),
                          pilot_certificates=self.pilot_certificates)


def build_demo_world(url: str, folder: Path) -> DemoWorld:
    from certify.demo.builder import build_demo

    app = make_app(url, str(folder))
    reset_database(app)
    isolate_requests(app)
    with app.app_context():
        report = build_demo(app.config["CONTENT_DIR"])
        db.session.commit()
        return DemoWorld(app, folder, report.cohort.id, tuple(report.logins),
                         report.pilot_certificates)


@pytest.fixture(scope="session")
def sqlite_demo_world(tmp_path_factory) -> DemoWorld:
    folder = tmp_path_factory.mktemp("demo-sqlite")
    return build_demo_world(f"sqlite:///{folder / 'demo.db'}", folder)


@pytest.fixture(scope="session")
def demo_world(database, request) -> DemoWorld:
    """Tests marked ``demo_world`` use this app (override ``app`` in the module) and ``demo``."""
    if database == "sqlite":
        return request.getfixturevalue("sqlite_demo_world")
    return build_demo_world(postgres_url("demo"), request.getfixturevalue("tmp_path_factory")
                            .mktemp("demo-postgresql"))


@pytest.fixture
def demo(demo_world) -> DemoReport:
    return demo_world.report()


def copy_sqlite_world(world: DemoWorld, folder: Path) -> str:
    """A private copy of the SQLite demo world (database and instance files) to write to."""
    shutil.copytree(world.folder, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("demo.db*"))
    with world.app.app_context():
        db.engine.dispose()
    source, target = sqlite3.connect(world.folder / "demo.db"), sqlite3.connect(folder / "demo.db")
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{folder / 'demo.db'}"


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
