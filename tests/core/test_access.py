"""Every endpoint states who may use it, and the public ones are few and deliberate."""

from __future__ import annotations

import pytest

# Who may see what is decided in Python, not by the database: SQLite only.
pytestmark = pytest.mark.one_database

PUBLIC_ENDPOINTS = {
    "static", "home.index", "accounts.login", "accounts.set_locale", "api_docs_assets.asset",
    "api-docs.openapi_json", "api-docs.openapi_swagger_ui",
    # Certificates are verified by anyone, without an account (issue 4).
    "certificates.verify_form", "certificates.verify_page", "certificates.jwks_document",
    "certificates.public_key", "certificates.status_list", "certificates_api.verify_certificate",
    # The installable offline verifier, for inspectors without signal (issue 11).
    "certificates.offline_verifier", "certificates.offline_service_worker",
    "certificates.offline_manifest",
    # The issuer's Open Badges Profile, which names its keys, for verifiers (issue 12).
    "certificates.issuer_profile", "certificates.design_image_file",
    "certificates.did_web_document",
    # The holder's shareable badge page, its link-preview card and the emblem for wallets show
    # only what the verification page shows (issue 12).
    "certificates.badge_page", "certificates.badge_card", "certificates.emblem_image",
    # Platforms reach these without an account; each verifies what it receives (issue 5).
    "lti.login", "lti.launch", "lti.jwks", "lti.register",
    # Inside a cross-site frame cookies may be refused: the launch address answers Moodle's link
    # checker, a launch goes on by its single-use handoff, and the activity picker is authorised
    # by its launch id and signed token (issue 13).
    "lti.launch_address", "lti.continue_launch", "lti.deep_link",
    # Load balancers and orchestrators probe these without an account (issue 17).
    "ops.healthz", "ops.readyz", "ops.metrics",
    # Browsers ask for it on every site (issue 15).
    "home.favicon",
}


def test_every_view_declares_its_access(app):
    undeclared, public = [], set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint.startswith("api-docs.") or rule.endpoint == "static":
            public.add(rule.endpoint)
            continue
        view_class = getattr(view, "view_class", None)
        roles = getattr(view, "access_roles", getattr(view_class, "access_roles", "missing"))
        if roles == "missing":
            undeclared.append(f"{rule.endpoint} {rule.rule}")
        elif roles is None:
            public.add(rule.endpoint)
    assert undeclared == []
    assert public <= PUBLIC_ENDPOINTS


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "<html" in response.text
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json["code"] == "not_found" and response.json["message"]


@pytest.mark.parametrize(("language", "message"), [
    ("es", "No pudimos encontrar lo que buscabas."),
    ("pt-BR", "Não encontramos o que você procurava."),
    ("en", "We could not find what you were looking for."),
])
def test_error_messages_are_in_the_readers_language(client, language, message):
    response = client.get("/api/v1/no-such-endpoint", headers={"Accept-Language": language})
    assert response.json["message"] == message
