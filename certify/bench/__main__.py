"""``python -m certify.bench <name> [options]``: run one benchmark and print its figures.

Each benchmark is a module of this package with a ``main(argv)`` function,
listed in :data:`BENCHMARKS`; add yours there.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "issuance": "certify.bench.issuance",  # certificates: batched vs one call each, end to end
    "lti": "certify.bench.lti",  # LTI launch handling, against the test platform
    "verify": "certify.bench.verify",  # public verification under load, against bare Flask
    "qr": "certify.bench.qr",  # the QR token: each candidate encoding's length and QR version
    "reports": "certify.bench.reports",  # the national dashboard at 100,000 officials
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in BENCHMARKS:
        names = ", ".join(sorted(BENCHMARKS))
        print(f"usage: python -m certify.bench <name> [options]   (names: {names})",
              file=sys.stderr)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module = importlib.import_module(BENCHMARKS[argv[0]])
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    raise SystemExit(main())
