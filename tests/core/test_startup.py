"""What a process does as it starts: the ``certify`` command sets what starting up built aside
from the garbage collector, and WeasyPrint's C libraries load without searching for them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
LIBRARIES = ("libgobject", "libpango", "libharfbuzz", "libfontconfig")

# The files of WeasyPrint's libraries mapped into the process, and the processes started.
REPORT = """
import json, subprocess
started = []
class Recorded(subprocess.Popen):
    def __init__(self, args, *rest, **options):
        started.append(args)
        super().__init__(args, *rest, **options)
subprocess.Popen = Recorded
{before}
import {module}
with open("/proc/self/maps") as maps:
    files = sorted({{line.split()[-1] for line in maps
                     if any(name in line for name in {libraries!r})}})
print(json.dumps({{"files": files, "started": [str(args) for args in started]}}))
"""


def report(module: str, before: str = "") -> dict:
    import json

    script = REPORT.format(module=module, before=before, libraries=LIBRARIES)
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@LINUX
def test_weasyprint_loads_the_libraries_it_would_find_without_starting_a_process():
    searched = report("weasyprint")  # as WeasyPrint does alone: ldconfig, gcc, ld...
    assert searched["started"]
    loaded = report("certify.core.pdf")
    assert loaded["started"] == []
    assert loaded["files"] == searched["files"]
    assert {name for name in LIBRARIES if any(name in file for file in loaded["files"])} \
        == set(LIBRARIES)


@LINUX
def test_a_library_not_opened_by_its_soname_is_searched_for_as_usual():
    # The dynamic linker refuses Pango's soname: the import goes on, searching.
    refuse = """
import ctypes.util
import cffi.api
from certify.core import native_libraries
loading = cffi.api._load_backend_lib
def refusing(backend, name, flags):
    if ctypes.util.find_library is native_libraries._not_searched and "pango-1.0.so" in name:
        raise OSError("not under this name")
    return loading(backend, name, flags)
cffi.api._load_backend_lib = refusing
"""
    loaded = report("certify.core.pdf", before=refuse)
    assert loaded["started"]
    assert any("libpango-1.0" in file for file in loaded["files"])


def test_the_command_sets_aside_what_starting_up_built_and_collects_the_rest(tmp_path):
    script = ("import atexit, gc, sys\n"
              "atexit.register(lambda: print('collecting', gc.isenabled(), "
              "'set aside', gc.get_freeze_count() > 10000))\n"
              "from certify.cli import main\n"
              "sys.argv = ['certify', 'routes']\n"
              "main()\n")
    environment = {**os.environ, "CERTIFY_INSTANCE_PATH": str(tmp_path),
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}"}
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, env=environment,
                          capture_output=True, text=True, check=True)
    assert "/v/<serial>" in done.stdout  # the app was built and its routes listed
    assert done.stdout.strip().splitlines()[-1] == "collecting True set aside True"
