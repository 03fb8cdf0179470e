"""The addresses a certificate is reached at: the QR target, its page, sharing links."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app

from certify.certificates.models import Certificate


def verify_limit() -> str:
    """How often one address may verify (page and API each): ``VERIFY_RATE_LIMIT``."""
    return current_app.config.get("VERIFY_RATE_LIMIT", "60 per minute")


def base_url() -> str:
    """``CERTIFY_BASE_URL`` without a trailing slash: links must work outside any request."""
    return current_app.config["BASE_URL"].rstrip("/")


def verification_page_url(certificate: Certificate) -> str:
    """The public verification page, e.g. https://certify.example/v/K7QM-3XDA-9PFT."""
    return f"{base_url()}/v/{certificate.serial}"


def verification_url(certificate: Certificate) -> str:
    """What the QR code encodes: the page plus the signed token, ``…/v/<serial>?t=<token>``.

    The token is base64url and dots, so it needs no escaping; with it a verifier
    can check the certificate offline against the published keys, and the page
    checks it online.
    """
    return f"{verification_page_url(certificate)}?t={certificate.token}"


def key_url_prefix() -> str:
    """Key ids in VC-JWT headers are URLs ``<prefix><kid>`` that resolve to the JWK."""
    return f"{base_url()}/keys/"


def linkedin_url(certificate: Certificate, *, name: str) -> str:
    """LinkedIn's "Add licence or certification" form, filled in for ``certificate``."""
    issued = certificate.issued_at
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": certificate.issuer_name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": verification_page_url(certificate),
        "certId": certificate.serial,
    })
