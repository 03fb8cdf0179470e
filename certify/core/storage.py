"""Where an instance keeps its files, in one place for the areas that write them and for
the operations that look after them (readiness, backup and restore)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app


def certificates_dir() -> Path:
    """Certificate PDFs: ``CERTIFICATES_DIR`` if configured, else ``<instance>/certificates``."""
    configured = current_app.config.get("CERTIFICATES_DIR") or os.environ.get(
        "CERTIFY_CERTIFICATES_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "certificates"


def uploads_dir() -> Path:
    """Submitted files: ``UPLOADS_DIR`` if configured, else ``<instance>/uploads``."""
    configured = current_app.config.get("UPLOADS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"
