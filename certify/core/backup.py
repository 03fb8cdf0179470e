"""One archive holding everything an instance needs to come back: ``certify backup`` and
``certify restore``.

The archive (a gzip'd tar) holds a consistent copy of the database
(``certify.core.backup_database``), every file of the instance folder (signing keys of
every kind, the LTI tool keys, the secret key, certificates, uploads: whatever is
there, not a fixed list, so keys added later are never forgotten), the configured
keys, certificates and uploads folders when they live elsewhere, and last a
``manifest.json`` with the SHA-256 and size of every member.

The database is copied first and the files after: certificates and uploads are only
ever added (under their serial or their hash), so every file a row of the copy refers
to is already on disk when the files are copied.

Restoring checks the whole archive against its manifest into a staging folder
before it touches anything, loads the database (into an empty one only), migrates
it to this code's head if it is older, and only then moves the files into place.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from certify.core.backup_database import (
    DUMP_NAMES,
    database_is_empty,
    dialect,
    dump_database,
    restore_database,
    sqlite_path,
)
from certify.core.clock import utcnow
from certify.core.errors import Conflict, ValidationError
from certify.core.health import migration_heads, migration_scripts
from certify.core.storage import certificates_dir, uploads_dir
from certify.extensions import db

FORMAT = "certify-backup"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
# Files an instance writes for itself on start, so a fresh instance still counts as empty.
GENERATED_ON_START = frozenset({"secret_key"})


@dataclass
class BackupReport:
    path: Path
    files: int = 0
    bytes: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def folders() -> dict[str, Path]:
    """The folders a backup covers, most specific first: a file belongs to the first one
    that holds it, so each is restored to where the target instance keeps that kind."""
    from certify.core.keyring import keys_dir

    return {"signing_keys": keys_dir(), "certificates": certificates_dir(),
            "uploads": uploads_dir(), "instance": Path(current_app.instance_path)}


def _skipped(path: Path, root: Path) -> bool:
    """Not part of the instance's state: the SQLite database (copied through the backup API),
    its journals, and files being written or staged (under dot-prefixed temporary names)."""
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return True
    if dialect() == "sqlite":
        database = sqlite_path().resolve()
        if path.resolve().parent == database.parent and path.name.startswith(database.name):
            return True
    return False


def instance_files() -> Iterator[tuple[str, Path]]:
    """``(archive name, path)`` of every file to back up, each once."""
    roots = [(name, folder.resolve()) for name, folder in folders().items()]
    seen: set[Path] = set()
    for name, root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            resolved = path.resolve()
            if resolved in seen or not path.is_file() or path.is_symlink() or _skipped(path, root):
                continue
            owner = next(n for n, r in roots if resolved.is_relative_to(r))
            if owner != name:
                continue  # another folder claims it (e.g. instance/keys is signing_keys)
            seen.add(resolved)
            yield f"files/{name}/{resolved.relative_to(root).as_posix()}", path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def current_revision() -> str | None:
    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))


def _counts() -> dict[str, int]:
    from certify.core.audit import AuditEvent

    counts = {"audit_events": db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))}
    for table in ("person", "certificate"):
        counts[table] = db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
    return counts


def write_backup(target: Path) -> BackupReport:
    """Write the archive to ``target`` (written beside it, then renamed: never half a file)."""
    target = Path(target)
    if target.exists():
        raise Conflict(_("%(path)s already exists; choose another name.", path=str(target)))
    target.parent.mkdir(parents=True, exist_ok=True)
    report = BackupReport(target)
    members: list[dict] = []
    partial = target.with_name(f".{target.name}.part")
    try:
        with tempfile.TemporaryDirectory() as scratch, \
                tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            dump = Path(scratch) / "database"
            dump_database(dump)
            name = DUMP_NAMES[dialect()]
            members.append(_add(archive, name, dump))
            database = {"dialect": dialect(), "file": name, "revision": current_revision()}
            report.counts = _counts()
            for name, path in instance_files():
                members.append(_add(archive, name, path))
            manifest = {"format": FORMAT, "version": VERSION,
                        "created_at": utcnow().isoformat(timespec="seconds"),
                        "database": database, "counts": report.counts, "members": members}
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            archive.addfile(info, io.BytesIO(data))
        partial.chmod(0o600)  # it holds private keys
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    report.files = len(members) - 1
    report.bytes = sum(member["size"] for member in members)
    return report


def _add(archive: tarfile.TarFile, name: str, path: Path) -> dict:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as stream:
        archive.addfile(info, stream)
    return {"name": name, "sha256": _sha256(path), "size": info.size, "mode": info.mode & 0o777}


# --- restore -----------------------------------------------------------------------------------

@dataclass
class RestoreReport:
    files: int
    counts: dict[str, int]
    created_at: str
    migrated_from: str | None


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValidationError(_("The archive names a file outside the instance: %(name)s",
                                name=name))
    return path


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, AttributeError, ValueError) as error:
        raise ValidationError(_("This is not a certify backup: it has no readable "
                                "manifest.")) from error
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise ValidationError(_("This is not a certify backup this version can read."))
    return manifest


def _stage(archive: tarfile.TarFile, manifest: dict, staging: Path) -> None:
    """Extract every member the manifest lists into ``staging``, checking size and SHA-256."""
    expected = {member["name"]: member for member in manifest["members"]}
    kinds = set(folders())
    for name in expected:
        parts = _safe_name(name).parts
        if name != manifest["database"]["file"] and (
                len(parts) < 3 or parts[0] != "files" or parts[1] not in kinds):
            raise ValidationError(_("The archive names a file outside the instance: %(name)s",
                                    name=name))
    names = {info.name for info in archive.getmembers()} - {MANIFEST}
    if names != set(expected):
        missing, extra = sorted(set(expected) - names), sorted(names - set(expected))
        raise ValidationError(_("The archive does not match its manifest (missing: %(missing)s; "
                                "unexpected: %(extra)s).", missing=", ".join(missing) or "-",
                                extra=", ".join(extra) or "-"))
    for info in archive.getmembers():
        if info.name == MANIFEST:
            continue
        member = expected[info.name]
        if not info.isfile():
            raise ValidationError(_("The archive names a file outside the instance: %(name)s",
                                    name=info.name))
        target = staging.joinpath(*_safe_name(info.name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with archive.extractfile(info) as source, target.open("wb") as copy:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                copy.write(chunk)
        target.chmod(member.get("mode", 0o600))
        if digest.hexdigest() != member["sha256"] or size != member["size"]:
            raise ValidationError(_("%(name)s is damaged: its checksum does not match the "
                                    "manifest.", name=info.name))


def _occupied_folders() -> list[str]:
    occupied = []
    for folder in folders().values():
        if folder.is_dir() and any(path.is_file() and path.name not in GENERATED_ON_START
                                   and not _skipped(path, folder) for path in folder.rglob("*")):
            occupied.append(str(folder))
    return occupied


def restore_backup(source: Path) -> RestoreReport:
    """Restore the archive ``source`` into this (empty) instance."""
    import flask_migrate

    occupied = _occupied_folders() + ([] if database_is_empty() else [_("the database")])
    if occupied:
        raise Conflict(_("This instance is not empty (%(where)s); restore only into a new, "
                         "empty instance.", where=", ".join(occupied)))
    scratch_folder = tempfile.TemporaryDirectory(dir=current_app.instance_path, prefix=".restore-")
    with _open_archive(source) as archive, scratch_folder as scratch:
        staging = Path(scratch)
        manifest = read_manifest(archive)
        _stage(archive, manifest, staging)
        revision = manifest["database"]["revision"]
        if revision not in _known_revisions():
            raise ValidationError(_("This backup was made by a newer version of certify "
                                    "(database revision %(revision)s); upgrade first.",
                                    revision=revision))
        restore_database(staging.joinpath(*PurePosixPath(manifest["database"]["file"]).parts),
                         manifest["database"]["dialect"])
        migrated_from = None
        if revision not in migration_heads(current_app.extensions["migrate"].directory):
            flask_migrate.upgrade()
            migrated_from = revision
        targets = folders()
        for member in manifest["members"]:
            parts = PurePosixPath(member["name"]).parts
            if parts[0] != "files":
                continue
            destination = targets[parts[1]].joinpath(*parts[2:])
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staging.joinpath(*parts), destination)
    files = sum(1 for member in manifest["members"] if member["name"].startswith("files/"))
    return RestoreReport(files=files, counts=manifest.get("counts", {}),
                         created_at=manifest["created_at"], migrated_from=migrated_from)


def _open_archive(source: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(source, "r:gz")  # noqa: SIM115 - the caller's ``with`` closes it
    except (OSError, tarfile.TarError) as error:
        raise ValidationError(_("%(path)s is not a readable backup archive.",
                                path=str(source))) from error


def _known_revisions() -> set[str]:
    scripts = migration_scripts(current_app.extensions["migrate"].directory)
    return {script.revision for script in scripts.walk_revisions()}
