"""Configuration: safe development defaults, overridden by the environment.

Every setting can be given as ``CERTIFY_<NAME>``; ``DATABASE_URL`` selects the
database (PostgreSQL through psycopg 3 in production, SQLite in ``instance/``
by default). Secrets are never part of the code: the secret key is read from
the environment or generated once into the instance folder.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

LOCALES = ("es", "pt_BR", "en")
# Rate limit counters in the worker process (certify.core.ratelimit): without a timer thread.
LOCAL_RATELIMIT_STORAGE = "certify-memory://"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"CERTIFY_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgres://`` and ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def read_or_create_secret(instance_path: str, name: str, nbytes: int = 32) -> str:
    """Return the secret stored in ``instance/<name>``, creating it (mode 0600) once."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def build_config(instance_path: str) -> dict:
    """The settings for an app whose instance folder is ``instance_path``."""
    database_url = os.environ.get("DATABASE_URL") or _env(
        "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'certify.db'}"
    )
    secure_cookies = _env_bool("SECURE_COOKIES", False)
    return {
        "SECRET_KEY": _env("SECRET_KEY") or read_or_create_secret(instance_path, "secret_key"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # No pre-ping (a round trip before every request's first query): connections are
        # recycled before servers and firewalls drop idle ones, and a dead one fails one
        # request, after which the pool replaces it.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800},
        # PostgreSQL: seconds a statement may run and a lock may be waited for (0: no limit);
        # past them the request answers 503 with Retry-After (core.db_setup).
        "DB_STATEMENT_TIMEOUT": float(_env("DB_STATEMENT_TIMEOUT", "15")),
        "DB_LOCK_TIMEOUT": float(_env("DB_LOCK_TIMEOUT", "5")),
        "DB_BUSY_RETRY_AFTER": int(_env("DB_BUSY_RETRY_AFTER", "5")),
        # Request bodies other than file uploads (JSON, forms); uploads: MAX_CONTENT_LENGTH.
        "MAX_BODY_BYTES": int(_env("MAX_BODY_BYTES", str(256 * 1024))),
        "BASE_URL": (_env("BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
        # A developer's machine: certificates may be issued with a loopback BASE_URL.
        "DEVELOPMENT": _env_bool("DEVELOPMENT", False),
        "CONTENT_DIR": _env("CONTENT_DIR", str(Path(__file__).resolve().parent.parent / "course_content")),
        "BABEL_DEFAULT_LOCALE": "es",
        "BABEL_DEFAULT_TIMEZONE": _env("TIMEZONE", "America/Santiago"),
        "LOCALES": LOCALES,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,  # also turns HSTS on (core.security_headers)
        # The remember cookie signs people in as the session cookie does: the same protection.
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": int(_env("MAX_UPLOAD_BYTES", str(110 * 1024 * 1024))),
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "10 per minute"),
        # Shared by every worker with Redis (redis://...); in-process counters otherwise,
        # which gunicorn.conf.py warns about when it starts several workers.
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URL", LOCAL_RATELIMIT_STORAGE),
        "RATELIMIT_HEADERS_ENABLED": True,
        "BROKER_URL": _env("BROKER_URL"),
        # Seconds a running job may go without advancing before it is taken for dead and
        # resumed (by certify jobs resume and the scheduler); default 10 minutes.
        "JOBS_STALE_AFTER": _env("JOBS_STALE_AFTER"),
        # Seconds before a failed job's first retry (then doubled each time, at most an hour);
        # default 30.
        "JOBS_FIRST_RETRY_AFTER": _env("JOBS_FIRST_RETRY_AFTER"),
        # /readyz fails when the certificates' disk has less free space than this.
        "MIN_FREE_DISK_MB": int(_env("MIN_FREE_DISK_MB", "200")),
        # The bearer token a Prometheus scraper sends to /metrics; without one, no /metrics.
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        "SIGNING_KEYS_DIR": _env("SIGNING_KEYS_DIR", str(Path(instance_path) / "keys")),
        # A room of 200 people behind one public address scanning in the same minute, with
        # reloads; answers that find nothing (mistyped or guessed serials) have their own,
        # tight limit (certificates.links.verify_miss_limit).
        "VERIFY_RATE_LIMIT": _env("VERIFY_RATE_LIMIT", "600 per minute"),
        # Seconds between writes of the verification counts a worker keeps (certificates.counting).
        "COUNT_FLUSH_SECONDS": float(_env("COUNT_FLUSH_SECONDS", "1")),
        "VERIFY_MISS_RATE_LIMIT": _env("VERIFY_MISS_RATE_LIMIT", "60 per minute"),
        # Without an SMTP server, e-mails are written to the log (development).
        "SMTP_URL": _env("SMTP_URL"),
        "MAIL_FROM": _env("MAIL_FROM"),  # default: no-reply@ the BASE_URL's host
        "UPLOADS_DIR": _env("UPLOADS_DIR", str(Path(instance_path) / "uploads")),
        "API_TITLE": "certify",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
        "API_SPEC_OPTIONS": {
            "info": {"description": "certify API: programmes, cohorts, people and certificates."},
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
            },
            "security": [{"bearerAuth": []}],
        },
    }
