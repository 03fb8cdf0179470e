"""``python -m certify.bench qr``: how big the QR code gets with each way of writing the token.

Signs the same claims (a 30-character name with accents, a 38-character public
address) as version 1 does and as the candidates for version 2 would, and
prints each one's length and QR version at error correction M (segno, the
encoder certificates use). docs/qr-token.md records the result and the choice.
"""

from __future__ import annotations

import argparse
import base64
import json

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certify.core.qr import make_qr

SERIAL, NAME, KID = "K7QM-3XDA-9PFT", "María José Fernández Rodríguez", "20261206-AbCdEfGh"
ISSUER = "Subsecretaría de Desarrollo Regional y Administrativo"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jws(key: Ed25519PrivateKey, claims: dict) -> str:
    signing_input = ".".join(_b64(json.dumps(part, separators=(",", ":"),
                                             ensure_ascii=False).encode())
                             for part in ({"alg": "EdDSA", "kid": KID}, claims))
    return f"{signing_input}.{_b64(key.sign(signing_input.encode()))}"


def _cose(key: Ed25519PrivateKey, claims: dict) -> bytes:
    protected, payload = cbor2.dumps({1: -8}), cbor2.dumps(claims, canonical=True)
    signature = key.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))


def candidates(base: str) -> list[tuple[str, list[tuple[str, str]]]]:
    key = Ed25519PrivateKey.generate()
    version_1 = {"v": 1, "sn": SERIAL, "kind": "programme", "name": NAME, "prog": "IHBG",
                 "hours": "120", "issued": "2026-12-06", "issuer": ISSUER, "sl": 81234}
    integer_keys = {"0": 2, "1": SERIAL, "2": 0, "3": NAME, "4": "IHBG", "5": 1200, "6": 20428,
                    "7": 81234}
    cose = _cose(key, {int(name): value for name, value in integer_keys.items()})
    short_jws = _jws(key, integer_keys)
    page = f"{base}/v/{SERIAL}?t="
    return [
        ("version 1: JWS, JSON claims, byte mode", [(page + _jws(key, version_1), "byte")]),
        ("JWS, integer claim keys, no issuer, byte mode", [(page + short_jws, "byte")]),
        ("the same JWS as digit pairs (SMART Health Cards), numeric mode",
         [(page, "byte"), ("".join(f"{ord(c) - 45:02d}" for c in short_jws), "numeric")]),
        ("COSE_Sign1 + CBOR, base64url, byte mode", [(f"{base}/v/{_b64(cose)}", "byte")]),
        ("COSE_Sign1 + CBOR, base32, alphanumeric mode",
         [(f"{base}/v/", "byte"), (base64.b32encode(cose).decode().rstrip("="), "alphanumeric")]),
        ("COSE_Sign1 + CBOR, decimal number, numeric mode (version 2)",
         [(f"{base}/v/", "byte"), (str(int.from_bytes(cose, "big")), "numeric")]),
    ]


def data_bits(segments: list[tuple[str, str]]) -> int:
    """Bits the segments take in a version 10 to 26 symbol (ISO/IEC 18004, 7.4)."""
    total = 0
    for text, mode in segments:
        if mode == "numeric":
            total += 4 + 12 + 10 * (len(text) // 3) + (0, 4, 7)[len(text) % 3]
        elif mode == "alphanumeric":
            total += 4 + 11 + 11 * (len(text) // 2) + 6 * (len(text) % 2)
        else:
            total += 4 + 16 + 8 * len(text.encode())
    return total


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify.bench qr")
    parser.add_argument("--base", default="https://certificados.innovacion.gob.cl",
                        help="the public address the QR code starts with")
    args = parser.parse_args(argv)
    print(f"QR code of a certificate token, error correction M, address {args.base}")
    print(f"{'encoding':66} {'chars':>6} {'bits':>6} {'version':>8} {'modules':>8}")
    for label, segments in candidates(args.base):
        symbol = make_qr(segments)
        length = sum(len(text) for text, _mode in segments)
        width = symbol.symbol_size(border=0)[0]
        print(f"{label:66} {length:6d} {data_bits(segments):6d} {symbol.version:8d} {width:8d}")
    return 0
