"""The rendered bytes of a fixed certificate: changed only on purpose (see fixed/README.md).

Every input is fixed (the snapshot, serial, dates, status index and both signing keys), so
only the template, the fonts, WeasyPrint or pydyf can change the file; pyproject.toml pins
WeasyPrint to one major version for the same reason.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certify.certificates.models import Certificate, CertificateKind
from certify.certificates.rendering import render_certificate
from certify.certificates.tokens import sign_certificate

FIXED = Path(__file__).parent / "fixed"
# Update deliberately, as fixed/README.md says, and never to make the test pass blindly.
EXPECTED_SHA256 = "48522253934427aaef5c77ce9dd0f2865371bfbb0245d8d0ad9e9d11a037c05e"
ED25519_KID, RSA_KID = "20260101-fixedEd2", "20260101-fixedRSA"


@pytest.fixture
def fixed_keys(app, tmp_path, monkeypatch):
    """The two signing keys, always the same: an Ed25519 key from a fixed seed, an RSA key
    from fixed/."""
    folder = tmp_path / "keys"
    folder.mkdir()
    ed25519 = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    rsa = serialization.load_pem_private_key((FIXED / "rs256-test-key.pem").read_bytes(), None)
    for kid, key in ((ED25519_KID, ed25519), (RSA_KID, rsa)):
        (folder / f"{kid}.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        (folder / f"{kid}.pub.pem").write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    (folder / "current").write_text(ED25519_KID)
    (folder / "current-RS256").write_text(RSA_KID)
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(folder))


def fixed_certificate() -> Certificate:
    certificate = Certificate(
        serial="K7QM-3XDA-9PFT", kind=CertificateKind.PROGRAMME,
        holder_name="María José Ñancupil Huenchumán", holder_locale="es",
        programme_code="IHBG",
        programme_title={"es": "Innovación como Herramienta de Buen Gobierno"},
        programme_description={"es": "Programa de formación para agentes de innovación pública."},
        certificate_title={"es": "Agente de Innovación Pública"},
        modules=[{"code": "M1", "title": {"es": "Innovación y valor público"}, "hours": "24"},
                 {"code": "M2", "title": {"es": "Encuentro presencial"}, "hours": "16.5"}],
        hours=Decimal("40.5"), issuer_name="Red Nacional de Laboratorios de Innovación Municipal",
        issuer_url="https://example.org/red",
        authorities=[{"name": "Carolina Fuentes Aravena", "title": {"es": "Directora Ejecutiva"}},
                     {"name": "Martín Rodríguez Sosa", "title": {"es": "Coordinador Académico"}}],
        place="Santiago, Chile", criteria={"virtual_quizzes": "all"},
        issued_at=datetime(2026, 12, 11, 18, 30, tzinfo=UTC), expires_at=None,
        status_list_index=4242)
    sign_certificate(certificate)
    return certificate


def test_a_fixed_certificate_renders_to_the_same_bytes(app, fixed_keys, tmp_path):
    data = render_certificate(fixed_certificate())
    digest = hashlib.sha256(data).hexdigest()
    if digest != EXPECTED_SHA256:
        written = tmp_path / "fixed-certificate.pdf"
        written.write_bytes(data)
        pytest.fail(f"The fixed certificate renders differently: sha256 {digest}, written to "
                    f"{written}. If the change is deliberate, look at it and update "
                    "EXPECTED_SHA256 (tests/certificates/fixed/README.md).")
