"""``python -m certify.bench reports --officials 100000``: the dashboard at national scale.

Fills a PostgreSQL database of its own (``--database-url``, default
``CERTIFY_BENCH_DATABASE_URL``; everything in it is replaced) with a programme's whole
history: officials in 2,000 municipalities, their cohorts, a million quiz attempts,
in-person sessions and check-ins, project groups and graded prototypes, survey answers
and 20,000 certificates, written with COPY. The schema is built by the migrations
(with the indexes the reports read by); the read model is rebuilt as ``certify reports
refresh`` would (its time is printed). Then it times every
dashboard page and every reports API endpoint through the Flask test client and prints
one line per endpoint: the median of ``--runs`` runs against the 300 ms target (a
streamed download, the register, answers when its first rows arrive; the time for the
whole file is shown beside it). Exit status 1 when an endpoint misses the target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date

from certify.bench.reports_world import COHORTS, World, build_schema, fill, log

TARGET_MS = 300.0
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_reports"


# --- timing ------------------------------------------------------------------------------------

def endpoints(ids: dict) -> list[str]:
    programme = ids["programme_id"]
    pages = ["/reports", "/reports/places?level=region",
             "/reports/places?level=municipality&sort=percent&desc=1",
             "/reports/places?level=municipality&country=CL&kind=rural&sort=gap&desc=1&page=3",
             "/reports/funnel", "/reports/attendance", "/reports/attendance?kind=rural",
             "/reports/equity",
             f"/reports/equity?region_id={ids['region_id']}",
             f"/reports/funnel?cohort_id={ids['cohort_id']}"]
    api = ["progress", "progress.csv", "pace.csv", "regions", "regions.csv",
           "municipalities", "municipalities?sort=pipeline&descending=true",
           "municipalities.csv", "funnel", "funnel.csv", "attendance", "attendance.csv",
           "satisfaction.csv", "equity", "equity.csv", "register", "register.csv",
           f"targets/{programme}", f"targets/{programme}.csv", "baseline"]
    return pages + [f"/api/v1/reports/{name}" for name in api]


def time_endpoints(app, ids: dict, runs: int) -> list[tuple[str, float, int]]:
    from flask_login.utils import _create_identifier

    from certify.accounts.models import Person
    from certify.extensions import db

    client = app.test_client()
    with app.app_context():
        session_id = db.session.get(Person, ids["manager_id"]).get_id()
    # Flask-Login's "strong" session protection checks this identifier of address and agent.
    with app.test_request_context(environ_base=dict(client.environ_base)):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
        session["_id"] = identifier
    results = []
    for url in endpoints(ids):
        client.get(url).close()  # warm-up: templates, translations, plans
        answered, complete = [], []
        status, streamed = 0, False
        for _run in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            # A streamed body (the register) comes without a length: it is sent as it is read.
            streamed = "Content-Length" not in response.headers
            chunks = iter(response.response)
            next(chunks, None)  # a streamed download answers with its first rows
            answered.append((time.perf_counter() - started) * 1000)
            for _chunk in chunks:
                pass
            complete.append((time.perf_counter() - started) * 1000)
            status = response.status_code
            response.close()
        results.append(Timing(url, statistics.median(answered), statistics.median(complete),
                              streamed, status))
    return results


@dataclass(frozen=True)
class Timing:
    url: str
    answered_ms: float  # the whole response, or a streamed one's first rows
    complete_ms: float  # the whole body, streamed ones included
    streamed: bool
    status: int

    @property
    def verdict(self) -> str:
        if self.status != 200:
            return f"HTTP {self.status}"
        return "ok" if self.answered_ms < TARGET_MS else "SLOW"

    def line(self) -> str:
        note = (f"  (streamed: first rows; all {self.complete_ms:.0f} ms)"
                if self.streamed else "")
        return (f"  {self.url:<78} {self.answered_ms:8.1f} ms  (target {TARGET_MS:.0f} ms)  "
                f"{self.verdict}{note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify.bench reports",
                                     description="Fill PostgreSQL at national scale and time "
                                                 "the reports dashboard and API.")
    parser.add_argument("--officials", type=int, default=100_000, help="officials (100000)")
    parser.add_argument("--municipalities", type=int, default=2_000, help="(2000)")
    parser.add_argument("--attempts", type=int, default=None,
                        help="quiz attempts (10 per official: 1000000 for 100000)")
    parser.add_argument("--certificates", type=int, default=None,
                        help="certificates (1 per 5 officials: 20000 for 100000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per endpoint (7)")
    parser.add_argument("--database-url", default=os.environ.get(
        "CERTIFY_BENCH_DATABASE_URL", DEFAULT_URL),
        help="a PostgreSQL database of the benchmark's own: it is emptied "
             "(default: CERTIFY_BENCH_DATABASE_URL, else " + DEFAULT_URL + ")")
    parser.add_argument("--keep", action="store_true",
                        help="time the data already there (from an earlier run)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql")):
        parser.error("the benchmark needs PostgreSQL (it fills it with COPY)")
    attempts = args.attempts if args.attempts is not None else args.officials * 10
    certificates = args.certificates if args.certificates is not None else args.officials // 5

    folder = tempfile.mkdtemp(prefix="certify-bench-reports-")
    os.environ["CERTIFY_INSTANCE_PATH"] = folder
    from certify import create_app
    from certify.config import normalise_database_url
    from certify.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(args.database_url),
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "BASE_URL": "https://certify.bench"})
    world = World(args.officials, attempts, certificates, date.today(), seed=2026)
    with app.app_context():
        if args.keep:
            ids = _existing_ids()
        else:
            started = time.perf_counter()
            log(f"Building the schema in {args.database_url} ...")
            build_schema(app)
            ids = fill(app, world, args.municipalities)
            log(f"Filled in {time.perf_counter() - started:.0f} s.")
        db.session.remove()
    counts = _counts(app)
    log("")
    log(f"Timing {len(endpoints(ids))} endpoints, median of {args.runs} runs each, with "
        + ", ".join(f"{n:,} {name}" for name, n in counts.items()) + ":")
    slow = 0
    for timing in time_endpoints(app, ids, args.runs):
        slow += timing.verdict != "ok"
        log(timing.line())
    log(f"{len(endpoints(ids)) - slow} of {len(endpoints(ids))} endpoints under "
        f"{TARGET_MS:.0f} ms.")
    return 1 if slow else 0


def _existing_ids() -> dict:
    import sqlalchemy as sa

    from certify.accounts.models import Person, Region
    from certify.cohorts.models import Cohort
    from certify.extensions import db
    from certify.programmes.models import Programme

    return {"manager_id": db.session.scalar(sa.select(Person.id).where(
                Person.email == "bench.manager@example.org")),
            "programme_id": db.session.scalar(sa.select(Programme.id).order_by(Programme.id)),
            "region_id": db.session.scalar(sa.select(sa.func.min(Region.id))),
            "cohort_id": db.session.scalar(sa.select(Cohort.id).order_by(Cohort.id)
                                           .offset(COHORTS // 2).limit(1))}


def _counts(app) -> dict[str, int]:
    from certify.extensions import db

    tables = {"officials": "role_grant WHERE role = 'official'",
              "municipalities": "municipality",
              "enrolments": "enrolment", "quiz attempts": "quiz_attempt",
              "check-ins": "check_in", "survey answers": "survey_answer",
              "certificates": "certificate"}
    with app.app_context(), db.engine.connect() as connection:
        return {name: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                for name, table in tables.items()}


if __name__ == "__main__":
    raise SystemExit(main())
