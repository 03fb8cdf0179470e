"""``python -m certify.bench verify``: public verification under a crowd, against bare Flask.

For each database (SQLite in a temporary folder; PostgreSQL with
``--database-url``, whose contents are replaced) it issues ``--certificates``
certificates, starts certify under gunicorn with the production settings
(``gunicorn.conf.py``, 2 workers) and, beside it, a bare Flask app returning a
small JSON document under the same settings (``certify.bench.bare_app``). wrk
(Debian's) then loads, at ``--connections`` connections, in ``--rounds``
alternating rounds: the verification page as a QR scan opens it (``/v/<token>``),
the JSON endpoint (``/api/v1/verify/<serial>?t=<token>``), and the bare app,
cycling through the certificates. It prints requests/s, p50, p99 and errors for
each, and certify's ratio to bare Flask, against the targets.

The verification rate limit stays on (every request is counted against it) but
is raised so that one address may send the whole load; everything else is the
production configuration.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"json": 0.5, "page": 0.35}  # certify / bare Flask, requests per second
TARGET_P99_MS = 100
BENCH_LIMIT = "10000000 per minute"
WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = (i %% #paths) + 1
  return wrk.format("GET", paths[i])
end
"""


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> Run:
    """Requests/s, p50, p99 and errors (socket errors and non-2xx/3xx answers) of a wrk run."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {percent: _ms(value, unit) for percent, value, unit in
               re.findall(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)}
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return Run(rps, latency["50"], latency["99"], errors, requests)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with certify's configuration file, serving ``app`` on a free local port."""

    def __init__(self, app: str, env: dict[str, str], log: Path):
        self.port = free_port()
        env = {**env, "CERTIFY_BIND": f"127.0.0.1:{self.port}", "CERTIFY_WORKERS": "2"}
        self.log = log
        # The logs go to a file, as a process manager would keep them (a pipe nobody reads
        # would block the workers once full).
        with open(log, "ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_until_serving(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped: " + self.log.read_text()[-2000:])
            try:
                with urllib.request.urlopen(self.url(path), timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer {path} within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def wrk(url: str, paths: list[str], *, connections: int, seconds: int, folder: Path) -> Run:
    script = folder / "paths.lua"
    script.write_text(WRK_SCRIPT % ", ".join(f'"{path}"' for path in paths))
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def build_world(env: dict[str, str], count: int, postgres: bool) -> list[tuple[str, str]]:
    """``count`` issued certificates in the database ``env`` names: (serial, QR token) each."""
    code = (
        "import sys\n"
        "from certify import create_app\n"
        "from certify.bench.issuance import build_cohort, sign_and_record\n"
        "from certify.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    if db.engine.dialect.name == 'postgresql':\n"
        "        from certify.bench.reports_world import build_schema\n"
        "        build_schema(app)\n"
        "    else:\n"
        "        import flask_migrate; flask_migrate.upgrade()\n"
        f"    cohort, manager = build_cohort({count})\n"
        "    for c in sign_and_record(cohort, manager):\n"
        "        print(c.serial, c.qr_token)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                            capture_output=True, text=True)
    return [tuple(line.split()) for line in result.stdout.splitlines() if line.strip()]


def bench_database(label: str, database_url: str, args) -> dict[str, list[Run]]:
    folder = Path(tempfile.mkdtemp(prefix="certify-bench-verify-"))
    env = {**os.environ, "DATABASE_URL": database_url, "CERTIFY_INSTANCE_PATH": str(folder),
           "CERTIFY_BASE_URL": "https://certify.example.org", "CERTIFY_SECRET_KEY": "bench",
           "CERTIFY_VERIFY_RATE_LIMIT": BENCH_LIMIT, "PYTHONPATH": str(ROOT)}
    env.pop("CERTIFY_RATELIMIT_STORAGE_URL", None) if args.memory_limits else None
    servers: list[Server] = []
    try:
        certificates = build_world(env, args.certificates, label == "postgresql")
        paths = {"page": [f"/v/{token}" for _serial, token in certificates],
                 "json": [f"/api/v1/verify/{serial}?t={token}" for serial, token in certificates],
                 "bare": ["/ping"]}
        certify = Server("wsgi:app", env, folder / "certify.log")
        bare = Server("certify.bench.bare_app:app", env, folder / "bare.log")
        servers = [certify, bare]
        certify.wait_until_serving(paths["json"][0])
        bare.wait_until_serving("/ping")
        runs: dict[str, list[Run]] = {name: [] for name in paths}
        for name in paths:  # warm up: every worker has loaded, cached and connected
            server = bare if name == "bare" else certify
            wrk(server.url(""), paths[name], connections=args.connections, seconds=2,
                folder=folder)
        for _round in range(args.rounds):
            for name in ("page", "bare", "json", "bare"):
                server = bare if name == "bare" else certify
                runs[name].append(wrk(server.url(""), paths[name], connections=args.connections,
                                      seconds=args.seconds, folder=folder))
        return runs
    finally:
        for server in servers:
            server.stop()
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                shutil.copy(server.log, args.logs / f"{label}-{server.log.name}")
        shutil.rmtree(folder, ignore_errors=True)


def report(label: str, runs: dict[str, list[Run]]) -> bool:
    bare_rps = statistics.median(run.rps for run in runs["bare"])
    met = True
    print(f"\n{label}")
    print(f"  {'':6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>7}  target")
    for name in ("page", "json", "bare"):
        rounds = runs[name]
        rps = statistics.median(run.rps for run in rounds)
        p50 = statistics.median(run.p50_ms for run in rounds)
        p99 = max(run.p99_ms for run in rounds)
        errors = sum(run.errors for run in rounds)
        ratio = rps / bare_rps
        target = TARGETS.get(name)
        if target is None:
            # The targets are certify's; the yardstick's own p99 shows what the machine allows.
            verdict = "(yardstick)" + (f", p99 over {TARGET_P99_MS} ms: the machine is busy"
                                       if p99 >= TARGET_P99_MS or errors else "")
        else:
            ok = errors == 0 and p99 < TARGET_P99_MS and ratio >= target
            met &= ok
            verdict = (f">= {target}x, p99 < {TARGET_P99_MS} ms, 0 errors "
                       f"{'met' if ok else 'NOT MET'}")
        print(f"  {name:6} {rps:9.0f} {p50:8.1f} {p99:8.1f} {errors:7d} {ratio:6.2f}x  {verdict}")
        print("         rounds: " + ", ".join(f"{run.rps:.0f}/s" for run in rounds))
    return met


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify.bench verify",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("CERTIFY_BENCH_DATABASE_URL"),
                        help="a PostgreSQL database whose contents are replaced (default: "
                             "CERTIFY_BENCH_DATABASE_URL; without it only SQLite is measured)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10, help="per round and target")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--certificates", type=int, default=50)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--logs", type=Path, help="copy the servers' logs into this folder")
    parser.add_argument("--memory-limits", action="store_true",
                        help="in-process rate limit counters even if "
                             "CERTIFY_RATELIMIT_STORAGE_URL is set")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"certify verification benchmark: gunicorn.conf.py with 2 workers, wrk at "
          f"{args.connections} connections, {args.rounds} rounds of {args.seconds} s, "
          f"{args.certificates} certificates; {os.cpu_count()} CPUs, load average {load}; "
          f"rate limit storage {os.environ.get('CERTIFY_RATELIMIT_STORAGE_URL') or 'memory'}")
    databases = []
    if args.only in (None, "sqlite"):
        databases.append(("sqlite", None))
    if args.only in (None, "postgresql"):
        if args.database_url:
            databases.append(("postgresql", args.database_url))
        else:
            print("PostgreSQL skipped: give --database-url (or CERTIFY_BENCH_DATABASE_URL)")
    met = True
    for label, url in databases:
        folder_url = url
        if url is None:
            sqlite_folder = Path(tempfile.mkdtemp(prefix="certify-bench-sqlite-"))
            folder_url = f"sqlite:///{sqlite_folder / 'bench.db'}"
        try:
            met &= report(label, bench_database(label, folder_url, args))
        finally:
            if url is None:
                shutil.rmtree(sqlite_folder, ignore_errors=True)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nload average after: {load}; targets {'met' if met else 'NOT all met'}")
    return 0
