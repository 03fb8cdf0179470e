"""Sending an attached file, for the pages and the API alike: always as a download."""

from __future__ import annotations

import logging

from flask import Response, send_file
from flask_babel import gettext as _

from certify.core.errors import NotFound
from certify.submissions.files import FILE_TYPES, download_name, stored_path
from certify.submissions.models import SubmissionFile

log = logging.getLogger(__name__)


def send_submission_file(attached: SubmissionFile) -> Response:
    """Stream the file from disk as an attachment of its detected type.

    ``nosniff`` and a sandboxing Content-Security-Policy keep a browser from
    treating the bytes as anything but the declared download.
    """
    path = stored_path(attached.sha256)
    if not path.is_file():
        log.error("Stored file %s of submission file %s is missing", path, attached.id)
        raise NotFound(_("This file is missing from the storage. Please tell the programme team."))
    response = send_file(path, mimetype=attached.media_type, as_attachment=True,
                         download_name=download_name(attached.label, FILE_TYPES[attached.kind]),
                         conditional=True, etag=attached.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
