"""QR code matrices, fast: libqrencode (C) when the system has it, else python-qrcode.

Choosing the mask the standard asks for means building and scoring the symbol
eight times; python-qrcode does that in pure Python, about 60 ms for the
version 18 symbols certificates carry, which would dominate issuing thousands
of them. libqrencode (Debian's ``libqrencode4``) does the same in about 1 ms.
Both give a valid symbol with error correction M; they may choose different
masks, so a machine keeps to one of them (the PDFs' bytes depend on it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

import qrcode
from qrcode.constants import ERROR_CORRECT_M

_LEVEL_M = 1  # QRecLevel: L, M, Q, H
_MODE_8BIT = 2  # QRencodeMode hint: bytes for what is not digits or upper-case letters


class _QRcode(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("width", ctypes.c_int),
                ("data", ctypes.POINTER(ctypes.c_ubyte))]


@functools.cache
def _libqrencode():
    name = ctypes.util.find_library("qrencode") or "libqrencode.so.4"
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    library.QRcode_encodeString.restype = ctypes.POINTER(_QRcode)
    library.QRcode_encodeString.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                                            ctypes.c_int, ctypes.c_int]
    library.QRcode_free.argtypes = [ctypes.POINTER(_QRcode)]
    return library


def engine() -> str:
    """Which encoder this machine uses: ``libqrencode`` or ``python-qrcode``."""
    return "libqrencode" if _libqrencode() is not None else "python-qrcode"


_LOWEST_BIT = bytes(value & 1 for value in range(256))


def qr_matrix(data: str, *, border: int = 4) -> list[list[bool]]:
    """The modules of the QR code of ``data`` (error correction M), ``border`` light modules
    around; True is dark."""
    library = _libqrencode()
    encoded = data.encode("utf-8")
    if library is None or b"\0" in encoded:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
        code.add_data(data)
        code.make(fit=True)
        return code.get_matrix()
    symbol = library.QRcode_encodeString(encoded, 0, _LEVEL_M, _MODE_8BIT, 1)
    if not symbol:
        raise ValueError("the data is too long for a QR code")
    try:
        width = symbol.contents.width
        modules = ctypes.string_at(symbol.contents.data, width * width)
    finally:
        library.QRcode_free(symbol)
    dark = modules.translate(_LOWEST_BIT)  # each byte's lowest bit says if the module is dark
    light = [False] * border
    rows = [[False] * (width + 2 * border) for _ in range(border)]
    rows.extend(light + list(map(bool, dark[y * width:(y + 1) * width])) + light
                for y in range(width))
    rows.extend([False] * (width + 2 * border) for _ in range(border))
    return rows
