"""`certify backup` of the demo world restores into a fresh instance where every certificate
verifies and every file matches (issue 17)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

from certify.certificates.bulk import record_pdf_files, render_and_store
from certify.certificates.issuing import revoke
from certify.certificates.models import Certificate
from certify.certificates.rendering import stored_pdf
from certify.certificates.verification import VerificationState, verify
from certify.core.backup import folders
from certify.demo.builder import build_demo
from certify.extensions import db
from certify.submissions.files import FILE_TYPES, CheckedFile, store
from tests.conftest import POSTGRES_URL, make_app

pytestmark = pytest.mark.committing  # real databases and folders, made and removed here


def _database_url(database: str, tmp_path: Path, name: str) -> Iterator[str]:
    if database == "sqlite":
        yield f"sqlite:///{tmp_path / name / 'certify.db'}"
        return
    admin = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    database_name = f"{sa.make_url(POSTGRES_URL).database}_{name}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{database_name}"')
    try:
        yield sa.make_url(POSTGRES_URL).set(database=database_name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def instances(database, tmp_path, monkeypatch) -> Iterator[tuple[Flask, Flask]]:
    """An instance with data to back up, and a fresh empty one to restore into."""
    urls = [_database_url(database, tmp_path, name) for name in ("source", "restored")]
    apps = []
    for name, url in zip(("source", "restored"), urls, strict=True):
        folder = tmp_path / name
        folder.mkdir()
        monkeypatch.setenv("CERTIFY_INSTANCE_PATH", str(folder))
        apps.append(make_app(next(url), str(folder)))
    yield apps[0], apps[1]
    for app, url in zip(apps, urls, strict=True):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        next(url, None)


def _build_world(app: Flask) -> None:
    """The demo world, a few certificate PDFs, a revoked certificate and an upload."""
    with app.app_context():
        flask_migrate.upgrade()
        build_demo(app.config["CONTENT_DIR"])
        db.session.commit()
        certificates = db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()
        record_pdf_files(render_and_store(certificates[:3]))  # as issuance's render job does
        revoke(certificates[-1], reason="Issued to the wrong person", actor=None)
        content = b"%PDF-1.4 prototype"
        store(CheckedFile("prototype.pdf", len(content), hashlib.sha256(content).hexdigest(),
                          FILE_TYPES["pdf"], io.BytesIO(content)))
        db.session.commit()


def _files(app: Flask) -> dict[str, str]:
    """Every backed-up file, by kind and relative path, with its SHA-256."""
    with app.app_context():
        found = {}
        for kind, folder in folders().items():
            for path in folder.rglob("*"):
                # Not the database (compared row by row) nor lock files (made on use).
                if path.is_file() and not path.name.startswith((".", "certify.db")):
                    found[f"{kind}/{path.relative_to(folder)}"] = hashlib.sha256(
                        path.read_bytes()).hexdigest()
        return found


def _verdicts(app: Flask) -> dict[str, VerificationState]:
    with app.app_context():
        certificates = db.session.scalars(sa.select(Certificate)).all()
        verdicts = {c.serial: verify(c.serial, c.token, count=False).state for c in certificates}
        db.session.rollback()
        return verdicts


def test_a_backup_of_the_demo_restores_into_a_fresh_instance(instances, tmp_path):
    source, restored = instances
    _build_world(source)
    archive = tmp_path / "backup.tar.gz"
    result = source.test_cli_runner().invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds the private keys

    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output

    verdicts = _verdicts(restored)
    assert len(verdicts) > 20 and verdicts == _verdicts(source)
    assert list(verdicts.values()).count(VerificationState.REVOKED) == 1
    assert set(verdicts.values()) == {VerificationState.VALID, VerificationState.REVOKED}
    files = _files(restored)
    assert files == _files(source)
    assert any(name.startswith("signing_keys/") for name in files)
    assert any(name.startswith("uploads/") for name in files)
    with restored.app_context():
        with_pdf = db.session.scalars(sa.select(Certificate).where(
            Certificate.pdf_path.is_not(None))).all()
        assert len(with_pdf) == 3 and all(stored_pdf(c) is not None for c in with_pdf)
        # The restored instance can sign again with the restored key.
        assert restored.test_client().get("/readyz").status_code == 200

    again = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert again.exit_code == 2 and restored.instance_path in again.output  # it is not empty


def test_a_damaged_archive_restores_nothing(instances, tmp_path):
    source, restored = instances
    with source.app_context():
        flask_migrate.upgrade()
    (Path(source.instance_path) / "keys").mkdir(exist_ok=True)
    (Path(source.instance_path) / "keys" / "extra.pem").write_text("key")
    archive = tmp_path / "backup.tar.gz"
    assert source.test_cli_runner().invoke(args=["backup", "-o", str(archive)]).exit_code == 0

    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as original, tarfile.open(damaged, "w:gz") as copy:
        for info in original.getmembers():
            data = original.extractfile(info).read()
            if info.name == "files/signing_keys/extra.pem":
                data = b"tampered"
                info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    result = restored.test_cli_runner().invoke(args=["restore", str(damaged)])
    assert result.exit_code == 2 and "extra.pem" in result.output
    with restored.app_context():
        assert not sa.inspect(db.engine).get_table_names()
    assert not (Path(restored.instance_path) / "keys" / "extra.pem").exists()

    with tarfile.open(archive) as original:
        manifest = json.load(original.extractfile("manifest.json"))
    assert {m["name"] for m in manifest["members"]} >= {"files/signing_keys/extra.pem"}


def test_an_older_backup_is_migrated_after_it_is_restored(instances, tmp_path):
    """A backup made before the latest migration restores and is brought to this code's head."""
    from certify.core.health import migration_heads, migration_scripts

    source, restored = instances
    with source.app_context():
        directory = source.extensions["migrate"].directory
        (head,) = migration_heads(directory)
        previous = migration_scripts(directory).get_revision(head).down_revision
        flask_migrate.upgrade(revision=previous)
    archive = tmp_path / "old.tar.gz"
    assert source.test_cli_runner().invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert previous in result.output  # "migrated from revision ..."
    with restored.app_context():
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
    assert restored.test_client().get("/readyz").json["checks"]["migrations"] == "ok"
