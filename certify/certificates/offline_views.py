"""``/v/offline``: verifying a certificate in the browser without a signal.

An installable page (web app manifest, service worker) that checks a scanned or
pasted QR token against the public keys and the revocation status lists it
fetched when it last had a connection (kept by the browser), in the page's
language. The service worker serves the page, its script and styles from its
cache; the keys and lists are kept by the page itself.

Registered on the area's blueprint (``certificates.views.blp``).
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _

from certify.accounts.access import public
from certify.certificates.status_list import LIST_SIZE, last_list_number
from certify.certificates.views import blp
from certify.core.security_headers import permit_camera

SERVICE_WORKER = "js/offline-sw.js"


@blp.get("/v/offline")
@public
def offline_verifier():
    permit_camera()  # scanning the QR code with the phone's camera
    response = Response(render_template(
        "certificates/offline.html", list_numbers=list(range(1, last_list_number() + 1)),
        list_size=LIST_SIZE))
    # The service worker keeps its own copy; the browser's HTTP cache need not.
    response.headers["Cache-Control"] = "no-cache"
    return response


@blp.get("/v/offline.webmanifest")
@public
def offline_manifest():
    """What installing the page to a phone's home screen needs."""
    response = jsonify({
        "name": _("Verify certificates offline"),
        "short_name": _("Verify"),
        "start_url": url_for("certificates.offline_verifier"),
        "scope": "/v/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [{"src": url_for("static", filename="icons/certify.svg"), "sizes": "any",
                   "type": "image/svg+xml", "purpose": "any"}],
    })
    response.mimetype = "application/manifest+json"
    return response


@blp.get("/v/offline-sw.js")
@public
def offline_service_worker():
    """The service worker, served under /v/ so that its scope covers the offline page."""
    response = current_app.send_static_file(SERVICE_WORKER)
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"  # updates reach phones at the next visit
    return response
