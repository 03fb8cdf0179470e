"""The printed QR code as a phone meets it: a 100 dpi photo of the paper, blurred and JPEG'd.

The token it decodes to is then verified offline, as any third party would: the
published JWKS and a COSE library certify does not sign with (pycose).
"""

from __future__ import annotations

import base64
import io

import cbor2
import pypdfium2
import pytest
import zxingcpp
from PIL import Image, ImageFilter
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from certify.certificates.qr_token import Claim
from certify.certificates.rendering import certificate_pdf

DPI = 100
MM_PER_INCH = 25.4


def photographed(pdf: bytes) -> Image.Image:
    """Page 1 at 100 dpi, Gaussian blur (sigma 0.5), JPEG quality 70."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=DPI / 72).to_pil().convert("L")
    # Pillow's GaussianBlur radius is the standard deviation.
    blurred = image.filter(ImageFilter.GaussianBlur(radius=0.5))
    buffer = io.BytesIO()
    blurred.save(buffer, format="JPEG", quality=70)
    return Image.open(io.BytesIO(buffer.getvalue()))


def verify_offline(digits: str, jwks: dict) -> dict:
    """What docs/qr-token.md tells a third party to do, with pycose."""
    number = int(digits)
    message = Sign1Message.decode(number.to_bytes((number.bit_length() + 7) // 8, "big"))
    for jwk in (key for key in jwks["keys"] if key.get("crv") == "Ed25519"):
        x = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
        message.key = OKPKey(crv=Ed25519, x=x)
        try:
            if message.verify_signature():
                return cbor2.loads(message.payload)
        except Exception:  # noqa: BLE001 - pycose raises on a wrong key; try the next one
            continue
    raise AssertionError("no published key verifies the token")


@pytest.fixture
def printed(issued):
    return certificate_pdf(issued)


def test_the_qr_decodes_from_a_blurred_100_dpi_photo_and_verifies_offline(client, issued,
                                                                          printed):
    [barcode] = zxingcpp.read_barcodes(photographed(printed),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
    assert barcode.valid
    prefix = "https://certify.test/v/"
    assert barcode.text == prefix + issued.qr_token
    # Version 10 or less at error correction M.
    assert barcode.symbology_identifier.startswith("]Q")
    assert int(barcode.extra["Version"]) <= 10 and barcode.ec_level == "M"

    jwks = client.get("/.well-known/jwks.json").get_json()
    claims = verify_offline(barcode.text.removeprefix(prefix), jwks)
    assert claims[Claim.SERIAL] == issued.serial
    assert claims[Claim.NAME] == issued.holder_name
    assert claims[Claim.PROGRAMME] == issued.programme_code
    assert claims[Claim.HOURS_TENTHS] == int(issued.hours * 10)
    assert claims[Claim.STATUS_INDEX] == issued.status_list_index


def test_a_module_is_printed_at_least_half_a_millimetre(printed):
    """Measured on the page: the QR image's width over its modules (quiet zone included)."""
    page = pypdfium2.PdfDocument(printed)[0]
    images = [item for item in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE])]
    qr = [image for image in images if image.get_px_size()[0] == image.get_px_size()[1]]
    assert qr, "the QR code is drawn as a square image"
    left, _bottom, right, _top = qr[0].get_bounds()
    width_mm = (right - left) / 72 * MM_PER_INCH
    modules = qr[0].get_px_size()[0]  # one pixel a module
    assert width_mm >= 30
    assert width_mm / modules >= 0.5
