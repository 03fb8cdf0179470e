"""Open Badges 3.0: each certificate as an OpenBadgeCredential (W3C VC Data Model 2.0).

The credential is built from the certificate's snapshot alone, in the holder's
language, with no clock or randomness: the same certificate always gives the
same JSON (the PDF embeds it, and must not change). Signed, it is a VC-JWT as
section 8.2 of the Open Badges 3.0 specification describes: the credential is
the JWT payload, with ``iss``, ``jti``, ``nbf``, ``sub`` (and ``exp``) beside
it. It is signed with RS256, the algorithm every Open Badges verifier
implements; the header's ``kid`` is the key's id exactly as
``/.well-known/jwks.json`` (the ``jku`` header) and the issuer's Profile
(``issuer.id``, ``/issuers/<programme>``) list it.
"""

from __future__ import annotations

import uuid

from flask_babel import force_locale
from flask_babel import gettext as _

from certify.certificates.issuers import OB_CONTEXT
from certify.certificates.links import (
    base_url,
    emblem_png_url,
    image_url,
    issuer_profile_url,
    jwks_url,
    verification_page_url,
)
from certify.certificates.models import Certificate, CertificateKind
from certify.certificates.status_list import VC_CONTEXT, status_entry
from certify.certificates.tokens import hours_text
from certify.core.i18n import language_of, localized
from certify.core.keyring import RS256
from certify.core.signing import sign_compact

OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
MEDIA_TYPE = "application/vc+jwt"


def _timestamp(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _urn(*parts: str) -> str:
    # Name-based (UUID v5): stable identifiers that need no table and reveal nothing.
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join(parts))}"


def issuer_profile(certificate: Certificate) -> dict:
    """The issuer as an Open Badges ``Profile``: its ``id`` resolves to the full Profile,
    which names the keys that sign for it."""
    profile = {"id": issuer_profile_url(certificate.programme_code), "type": ["Profile"],
               "name": certificate.issuer_name_in() or base_url()}
    logo = (certificate.design or {}).get("logo")
    if logo:
        profile["image"] = {"id": image_url(logo), "type": "Image"}
    if certificate.issuer_url:
        profile["url"] = certificate.issuer_url
    if certificate.issuer_email:
        profile["email"] = certificate.issuer_email
    return profile


def achievement_alignment(certificate: Certificate) -> list[dict]:
    """The programme's competencies as Open Badges ``Alignment`` objects, in the current
    language (callers force the holder's)."""
    alignment = []
    for competency in certificate.alignment or []:
        target = {"type": ["Alignment"], "targetName": localized(competency["name"]),
                  "targetUrl": competency["url"],
                  "targetType": competency.get("type") or "ceasn:Competency"}
        if competency.get("description"):
            target["targetDescription"] = localized(competency["description"])
        if competency.get("framework"):
            target["targetFramework"] = competency["framework"]
        if competency.get("code"):
            target["targetCode"] = competency["code"]
        alignment.append(target)
    return alignment


def _hours_result(certificate: Certificate, achievement_id: str) -> tuple[dict, dict]:
    """``(ResultDescription, Result)``: the hours the certificate states, as a result the
    achievement describes (an extension of the ResultType vocabulary: ``ext:Hours``)."""
    description = {"id": f"{achievement_id}#hours", "type": ["ResultDescription"],
                   "name": _("Hours of training"), "resultType": "ext:Hours", "valueMin": "0"}
    result = {"type": ["Result"], "resultDescription": description["id"],
              "value": hours_text(certificate.hours)}
    return description, result


def criteria_narrative(certificate: Certificate) -> str:
    """What the holder had to do, in words, from the certification rules in the snapshot.

    Uses the current language (callers force the holder's).
    """
    if certificate.kind is CertificateKind.PARTICIPATION:
        module = certificate.modules[0] if certificate.modules else {}
        return _("Attended the in-person session “%(module)s” and was checked in as present "
                 "or late.", module=localized(module.get("title")) or module.get("code", ""))
    rules = certificate.criteria or {}
    steps = []
    if rules.get("virtual_quizzes", "all") == "all":
        steps.append(_("Pass the quiz of every virtual module."))
    if rules.get("in_person_statuses"):
        steps.append(_("Attend the in-person module (checked in as present or late)."))
    if rules.get("prototype_pass_mark") is not None:
        steps.append(_("Build an innovation prototype in a group, graded by a tutor with the "
                       "programme's rubric at %(pass_mark)s%% or more.",
                       pass_mark=rules["prototype_pass_mark"]))
    if rules.get("final_survey"):
        steps.append(_("Answer the final satisfaction survey."))
    return "\n".join(f"- {step}" for step in steps) or _("Complete the programme.")


def _achievement_description(certificate: Certificate) -> str:
    modules = "; ".join(
        _("%(title)s (%(hours)s h)", title=localized(module.get("title")) or module.get("code"),
          hours=module.get("hours")) for module in certificate.modules)
    total = _("%(hours)s hours in total", hours=hours_text(certificate.hours))
    description = localized(certificate.programme_description) or certificate.programme_title_in()
    return f"{description}\n\n{modules}. {total}."


def open_badge_credential(certificate: Certificate) -> dict:
    """The unsigned OpenBadgeCredential for ``certificate``, in the holder's language."""
    achievement_id = _urn(base_url(), "achievement", certificate.programme_code,
                          str(certificate.kind))
    with force_locale(certificate.holder_locale or "es"):
        title = certificate.title_in()
        programme = certificate.programme_title_in()
        hours_description, hours_result = _hours_result(certificate, achievement_id)
        alignment = achievement_alignment(certificate)
        credential = {
            "@context": [VC_CONTEXT, OB_CONTEXT],
            "id": verification_page_url(certificate),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": f"{title} · {programme}",
            "description": _("%(title)s awarded to %(name)s by %(issuer)s (code %(serial)s).",
                             title=title, name=certificate.holder_name,
                             issuer=certificate.issuer_name_in(), serial=certificate.serial),
            "issuer": issuer_profile(certificate),
            "validFrom": _timestamp(certificate.issued_at),
            "credentialSubject": {
                "id": _urn(base_url(), "holder", certificate.serial),
                "type": ["AchievementSubject"],
                "identifier": [{"type": "IdentityObject", "identityType": "name",
                                "hashed": False, "identityHash": certificate.holder_name}],
                "achievement": {
                    "id": achievement_id,
                    "type": ["Achievement"],
                    "achievementType": "Certificate",
                    "name": title,
                    "description": _achievement_description(certificate),
                    "criteria": {"narrative": criteria_narrative(certificate)},
                    "humanCode": certificate.programme_code,
                    "inLanguage": language_of(certificate.holder_locale or "es"),
                    "creator": issuer_profile(certificate),
                    "resultDescription": [hours_description],
                },
                "result": [hours_result],
            },
            "credentialStatus": status_entry(certificate),
            "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        }
    achievement = credential["credentialSubject"]["achievement"]
    if alignment:
        achievement["alignment"] = alignment
    emblem = (certificate.design or {}).get("emblem")
    if emblem:
        # What wallets show as the badge: the programme's emblem, as a PNG (few render SVG).
        achievement["image"] = {"id": emblem_png_url(emblem), "type": "Image",
                                "caption": credential["name"]}
    if certificate.expires_at is not None:
        credential["validUntil"] = _timestamp(certificate.expires_at)
    return credential


def signed_open_badge(certificate: Certificate) -> str:
    """The credential as a VC-JWT (compact JWS, RS256) signed with the current RSA key."""
    credential = open_badge_credential(certificate)
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(certificate.issued_at.timestamp()),
        "sub": credential["credentialSubject"]["id"],
    }
    if certificate.expires_at is not None:
        claims["exp"] = int(certificate.expires_at.timestamp())
    token, _kid = sign_compact(claims, header={"typ": "JWT", "jku": jwks_url()}, algorithm=RS256)
    return token
