"""Static files with cache busting: every ``url_for('static', ...)`` carries ``?v=`` and a
digest of the file, so browsers may keep a versioned file for a year and still fetch a new
one the moment it changes (its address changes with it)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, request

VERSION_ARG = "v"
YEAR = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by modification time and size too: an edited file gets a new version at once.
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(filename: str) -> str | None:
    """The version of static file ``filename``, or None when there is no such file."""
    folder = current_app.static_folder
    path = Path(folder, filename) if folder else None
    try:
        stat = path.stat() if path else None
    except OSError:
        return None
    if stat is None or not path.is_file():
        return None
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


def init_static_files(app: Flask) -> None:
    @app.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" and VERSION_ARG not in values:
            version = static_version(values.get("filename", ""))
            if version:
                values[VERSION_ARG] = version

    @app.after_request
    def _cache_versioned(response):
        # Only the current version is cached for long: an old address keeps Flask's default
        # (revalidate), so it never pins a stale file.
        if (request.endpoint == "static" and response.status_code == 200
                and request.args.get(VERSION_ARG)
                and request.args[VERSION_ARG] == static_version(request.view_args["filename"])):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
