"""Loading WeasyPrint's C libraries (Pango, HarfBuzz, fontconfig...) without searching for them.

WeasyPrint opens each library by trying several names, Windows' and macOS'
spellings first (``libgobject-2.0-0``, ``gobject-2.0-0``, ...), each through
cffi, which asks ``ctypes.util.find_library`` for any name the dynamic linker
does not open as it is. On Linux that function runs ``ldconfig -p``, then
``gcc`` and ``ld`` for every name it does not find: about 60 processes and
0.2 s at every start of a process that renders a PDF (a manager's
``certify certificates issue``, a worker), for nothing. Each list also holds
the library's Linux soname (``libgobject-2.0.so.0``), which the dynamic
linker opens by itself through its usual search (``LD_LIBRARY_PATH``, its
cache, the system folders): the file ``find_library`` would have named.
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sonames_only() -> Iterator[None]:
    """Around ``import weasyprint`` (and nothing else), the first time, on Linux: no name is
    searched for, so each library is opened by its soname. Anywhere else, or where that
    fails (WeasyPrint then prints its installation hint once), the import searches as usual.
    """
    if not sys.platform.startswith("linux") or "weasyprint" in sys.modules:
        yield
        return
    searching = ctypes.util.find_library
    ctypes.util.find_library = _not_searched
    try:
        yield
    except OSError:
        # A library under no soname WeasyPrint knows: the modules that failed are gone from
        # sys.modules, so the caller's import runs again, searching as usual.
        ctypes.util.find_library = searching
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = searching


def _not_searched(_name: str) -> None:
    return None
