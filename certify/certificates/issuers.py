"""Each programme's issuer as an Open Badges 3.0 ``Profile`` served at ``/issuers/<code>``.

A credential's ``issuer.id`` is this address, on certify's own (HTTPS) domain,
and the document it resolves to names the public keys that sign for the
issuer, each as a verification method with its JWK: a verifier that follows
the issuer's id finds the very key (by ``kid``) the credential's header
names. docs/jose.md explains how a ministry serves it from its own domain.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from certify.certificates.design import design_snapshot
from certify.certificates.links import base_url, image_url, issuer_profile_url, jwks_url
from certify.certificates.status_list import VC_CONTEXT
from certify.core.keyring import jwks
from certify.programmes.models import Programme

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"]
# W3C Controlled Identifiers 1.0: a verification method expressed as a JWK.
VERIFICATION_METHOD_TYPE = "JsonWebKey"


def verification_methods(profile_id: str, method_type: str = VERIFICATION_METHOD_TYPE
                         ) -> list[dict]:
    """Every published key, as ``{id: <profile>#<kid>, type, controller, publicKeyJwk}``."""
    return [{"id": f"{profile_id}#{jwk['kid']}", "type": method_type,
             "controller": profile_id, "publicKeyJwk": jwk} for jwk in jwks()["keys"]]


def did_web() -> str:
    """certify's own ``did:web`` identifier: the host of ``CERTIFY_BASE_URL`` (a port is
    written %3A, as the did:web method says)."""
    return "did:web:" + quote(urlsplit(base_url()).netloc, safe="")


def did_document() -> dict:
    """The DID document served at ``/.well-known/did.json``: the same keys as the key set and
    the issuers' Profiles (one per ``kid``), for verifiers that resolve issuers by DID."""
    did = did_web()
    methods = verification_methods(did, "JsonWebKey2020")
    return {"@context": DID_CONTEXTS, "id": did, "alsoKnownAs": [base_url()],
            "verificationMethod": methods,
            "assertionMethod": [method["id"] for method in methods]}


def issuer_profile_document(programme: Programme) -> dict:
    """The issuer's full Profile, with the keys that sign its credentials."""
    profile_id = issuer_profile_url(programme.code)
    methods = verification_methods(profile_id)
    document = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": profile_id,
        "type": ["Profile"],
        "name": programme.issuer_name or programme.title_in(),
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
        "jwks_uri": jwks_url(),
    }
    if programme.issuer_url:
        document["url"] = programme.issuer_url
    if programme.issuer_email:
        document["email"] = programme.issuer_email
    logo = design_snapshot(programme).get("logo")
    if logo:
        document["image"] = {"id": image_url(logo), "type": "Image"}
    return document
