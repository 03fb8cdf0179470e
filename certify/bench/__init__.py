"""Benchmarks: ``python -m certify.bench <name> [options]`` (see ``__main__``)."""
