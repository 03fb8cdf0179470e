"""``python -m certify.bench lti``: how long certify takes to handle an LTI launch.

Runs a throw-away certify (SQLite in a temporary folder, or ``--database-url``) with the real
programme, registers the small LTI platform the tests also use (``lti_platform``, real HTTP on
127.0.0.1), and times the launch POST of many launches by learners of one course: signature,
state and nonce, people, cohort, activity, sign-in. The platform's key set is fetched by the
warm-up launches and cached from then on. Exit status 1 when the median misses the target.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from certify.bench.lti_platform import LEARNER, TestPlatform

TARGET_MEDIAN_MS = 30.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify.bench lti",
                                     description="Time certify's handling of LTI launches.")
    parser.add_argument("--launches", type=int, default=200, help="launches timed (200)")
    parser.add_argument("--learners", type=int, default=40,
                        help="learners taking turns; the first launch of each creates them (40)")
    parser.add_argument("--warmup", type=int, default=5, help="launches not timed (5)")
    parser.add_argument("--database-url", help="a database to use instead of a temporary SQLite")
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="certify-bench-lti-")
    os.environ["CERTIFY_INSTANCE_PATH"] = folder
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from certify import create_app
    from certify.config import normalise_database_url
    from certify.extensions import db
    from certify.lti.keys import public_key_set
    from certify.lti.platforms import save_platform, tool_url
    from certify.programmes.content import load_course_content

    url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "BASE_URL": "https://certify.bench"})
    platform = TestPlatform().start()
    try:
        with app.app_context():
            db.create_all()  # only adds missing tables: a database of its own is best
            programme = load_course_content(app.config["CONTENT_DIR"]).programme
            save_platform(name="Bench Moodle", issuer=platform.issuer,
                          client_id=platform.client_id, auth_login_url=platform.auth_login_url,
                          auth_token_url=platform.token_url, key_set_url=platform.key_set_url,
                          deployment_ids=[platform.deployment_id], programme=programme,
                          trusted_for_email=False, active=True)
            db.session.commit()
            platform.configure_tool(jwks=public_key_set(), login_url=tool_url("lti.login"),
                                    redirect_uri=tool_url("lti.launch"))
        learners = [f"learner-{n}" for n in range(1, args.learners + 1)]
        for subject in learners:
            platform.add_user(subject, [LEARNER], given_name="Persona", family_name=subject,
                              email=f"{subject}@moodle.bench.example")
        platform.add_course("bench-course", "Cohorte de referencia", members=learners)
        platform.add_link("bench-course", "link-m1", custom={"certify_target": "module:M1"},
                          line_item={"label": "M1", "resource_id": "quiz:M1"})

        client = app.test_client()
        timings: list[tuple[bool, float, float]] = []
        seen: set[str] = set()
        for number in range(args.warmup + args.launches):
            subject = learners[number % len(learners)]
            response = client.post("/lti/login", data={
                **platform.login_parameters(user_id=subject, context_id="bench-course",
                                            link_id="link-m1"), "lti1p3_new_window": "1"})
            auth = {key: values[0] for key, values in
                    parse_qs(urlsplit(response.headers["Location"]).query).items()}
            token = platform.sign(platform.claims(user_id=subject, nonce=auth["nonce"],
                                                  context_id="bench-course", link_id="link-m1"))
            started, cpu_started = time.perf_counter(), time.process_time()
            launched = client.post("/lti/launch", data={"id_token": token,
                                                        "state": auth["state"]})
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            if launched.status_code != 302:
                raise SystemExit(f"launch {number} failed: {launched.status_code} "
                                 f"{launched.get_data(as_text=True)[:300]}")
            if number >= args.warmup:
                timings.append((subject not in seen, elapsed, cpu))
            seen.add(subject)
    finally:
        platform.stop()

    median = statistics.median(ms for _first, ms, _cpu in timings)
    engine = "PostgreSQL" if url.startswith(("postgres", "postgresql")) else "SQLite"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"LTI launch handling: {len(timings)} launches on {engine}, the platform's key set "
          f"cached (fetched {platform.jwks_requests} time(s)); machine load {load:.1f} on "
          f"{os.cpu_count()} CPU(s)")
    print(f"  {'':32} {'wall clock (ms)':>22} {'CPU time (ms)':>22}")
    print(f"  {'':32} {'median':>10} {'p95':>10}  {'median':>10} {'p95':>10}")
    groups = [("all launches", timings),
              ("first launch of a person", [t for t in timings if t[0]]),
              ("returning person", [t for t in timings if not t[0]])]
    for label, rows in groups:
        if not rows:
            continue
        wall = [ms for _first, ms, _cpu in rows]
        cpu = [ms for _first, _ms, ms in rows]
        print(f"  {label + f' ({len(rows)})':32} {statistics.median(wall):10.1f} "
              f"{_percentile(wall, .95):10.1f}  {statistics.median(cpu):10.1f} "
              f"{_percentile(cpu, .95):10.1f}")
    met = median < TARGET_MEDIAN_MS
    print(f"  target: median wall clock under {TARGET_MEDIAN_MS:.0f} ms -> "
          f"{'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
