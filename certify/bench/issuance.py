"""Certificate issuance, measured whole: batched rendering, the cohort job, a cold command.

``python -m certify.bench issuance`` builds a throwaway database (SQLite in a
temporary folder, or ``--database-url``) and prints, side by side:

- rendering only (``--count`` people, signed and recorded without the
  eligibility check): batched in this process (one WeasyPrint layout per batch
  of ``--batch``), batched with ``--processes`` worker processes (what bulk
  issuance uses), and one WeasyPrint call per certificate on a sample
  (``--sample``), extrapolated;
- end to end: the cohort job for ``--end-to-end-count`` people on the real
  programme (course_content/, with its certification rules) whose learning
  records were made through the services (certify/bench/issuance_world.py),
  so eligibility checks every rule: eligibility, signing, recording, e-mails,
  rendering, storing (2-minute target for 5,000);
- cold: a cohort of ``--cold`` (60) issued by the real command,
  ``certify certificates issue --cohort N``, in a fresh interpreter that has
  laid nothing out yet (5-second target), with certify's bytecode compiled
  beforehand as an installation has it.

Every line gives wall time and CPU seconds: this process's, its child
processes' (worker processes and the command, whether finished or still
alive: see :class:`CpuMeter`) and the sum. Peak memory is the high-water mark
of this process's resident set and of the largest child. Wall time depends on
what else the machine runs (the load average is printed); CPU seconds do not.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

TARGET_RATIO = 6
TARGET_SECONDS = 120  # end to end, for
TARGET_COUNT = 5000
COLD_TARGET_SECONDS = 5
TARGET_MEGABYTES = 500
GIVEN = ["María José", "João", "Zoë", "Iñaki", "Ana Lucía", "Antônio", "Chloé", "Ñandú"]
FAMILY = ["Ñancupil Huenchumán", "Araújo", "Müller Peña", "Gómez", "Fernández-Ñúñez", "Souza"]
LOCALES = ["es", "pt_BR", "en"]
BASE_URL = "https://certify.example.org"


# --- measuring ---------------------------------------------------------------------------------

def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def _live_descendants() -> dict[int, float]:
    """CPU seconds so far of every live (or not yet waited for) descendant of this process,
    from /proc/<pid>/stat: getrusage(RUSAGE_CHILDREN) counts a child only once waited for."""
    parents, cpu = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stream:
                stat = stream.read()
        except OSError:
            continue  # ended meanwhile
        # The command name (2nd field) is in parentheses and may hold spaces.
        fields = stat[stat.rindex(b")") + 2:].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / _clock_ticks()  # utime + stime
    own, found, frontier = os.getpid(), {}, [os.getpid()]
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    while frontier:
        for child in children.get(frontier.pop(), ()):
            if child != own:
                found[child] = cpu[child]
                frontier.append(child)
    return found


@dataclass(frozen=True)
class CpuReading:
    parent: float
    waited: float  # children already waited for (getrusage)
    live: dict[int, float]  # the others, by pid


class CpuMeter:
    """CPU of this process and of its descendants between two readings.

    Children = (waited-for children's CPU at the end - at the start) + (live
    descendants' CPU at the end - at the start): a worker alive at both
    readings counts its difference, one that started and ended in between
    counts whole, one alive at the start and waited for since counts what it
    used after the start.
    """

    @staticmethod
    def read() -> CpuReading:
        own = resource.getrusage(resource.RUSAGE_SELF)
        waited = resource.getrusage(resource.RUSAGE_CHILDREN)
        return CpuReading(own.ru_utime + own.ru_stime, waited.ru_utime + waited.ru_stime,
                          _live_descendants())

    @staticmethod
    def between(start: CpuReading, end: CpuReading) -> tuple[float, float]:
        """(this process, its descendants) CPU seconds from ``start`` to ``end``."""
        children = (end.waited - start.waited) + sum(end.live.values()) \
            - sum(start.live.values())
        return end.parent - start.parent, max(0.0, children)


@dataclass
class Timing:
    seconds: float
    parent_cpu: float
    children_cpu: float
    count: int

    @property
    def cpu(self) -> float:
        return self.parent_cpu + self.children_cpu

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")

    def line(self, label: str, note: str = "") -> str:
        return (f"  {label:<40} {self.count:5} certificates {self.seconds:7.1f} s wall "
                f"{self.rate:6.1f}/s | CPU {self.parent_cpu:6.1f} s this process + "
                f"{self.children_cpu:6.1f} s children = {self.cpu:6.1f} s"
                + (f"  {note}" if note else ""))


@contextmanager
def timed(count: int):
    box = {}
    wall, cpu = time.perf_counter(), CpuMeter.read()
    yield box
    parent, children = CpuMeter.between(cpu, CpuMeter.read())
    box["timing"] = Timing(time.perf_counter() - wall, parent, children, count)


def peak_megabytes() -> tuple[float, float]:
    """(this process, the largest waited-for child) resident set high-water marks, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def load_average() -> str:
    return Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() \
        else ", ".join(f"{value:.2f}" for value in os.getloadavg())


# --- the run -----------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify.bench issuance",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300,
                        help="certificates of the rendering comparison")
    parser.add_argument("--batch", type=int, default=100, help="certificates per WeasyPrint call")
    parser.add_argument("--sample", type=int, default=30,
                        help="certificates rendered one call each, to extrapolate from")
    parser.add_argument("--processes", type=int, default=max(1, min(os.cpu_count() or 1, 4)))
    parser.add_argument("--end-to-end-count", type=int, default=200,
                        help="people of the cohort job on the real programme")
    parser.add_argument("--cold", type=int, default=60,
                        help="people of the cohort issued by the command in a fresh process")
    parser.add_argument("--only", choices=["rendering", "end-to-end", "cold"], action="append",
                        help="run only these cases (repeatable; default: all three)")
    parser.add_argument("--end-to-end", action="store_true",
                        help="only the end-to-end case, for --count people")
    parser.add_argument("--database-url", default=os.environ.get("CERTIFY_BENCH_DATABASE_URL"),
                        help="a PostgreSQL database whose contents are replaced (default: "
                             "CERTIFY_BENCH_DATABASE_URL, else SQLite in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.end_to_end:
        args.only, args.end_to_end_count = ["end-to-end"], args.count
    cases = args.only or ["rendering", "end-to-end", "cold"]

    folder = Path(tempfile.mkdtemp(prefix="certify-bench-"))
    os.environ["CERTIFY_INSTANCE_PATH"] = str(folder)
    try:
        app = _app(folder, args)
        with app.app_context():
            _header(args)
            print(f"  load average before: {load_average()}")
            ok = True
            if "rendering" in cases:
                ok &= compare(args)
            if "end-to-end" in cases:
                ok &= end_to_end(args)
            if "cold" in cases:
                ok &= cold(args, folder, app.config["SQLALCHEMY_DATABASE_URI"])
            _memory()
            print(f"  load average after: {load_average()}")
            return 0 if ok else 1
    finally:
        if args.keep:
            print(f"Kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _app(folder: Path, args):
    import flask_migrate

    from certify import create_app
    from certify.bench.reports_world import build_schema
    from certify.extensions import db

    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BASE_URL": BASE_URL,
                      "SECRET_KEY": "bench", "CERTIFICATES_RENDER_PROCESSES": args.processes})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            build_schema(app)  # everything in that database is replaced
        else:
            flask_migrate.upgrade()
    return app


def _header(args) -> None:
    import segno
    import weasyprint

    from certify.extensions import db

    print(f"certify issuance benchmark: {os.cpu_count()} CPUs, WeasyPrint {weasyprint.__version__}"
          f", QR by segno {segno.__version__}, {db.engine.dialect.name}, Python "
          f"{sys.version.split()[0]}")


def compare(args) -> bool:
    from certify.certificates.bulk import batch_renderer, render_and_store
    from certify.certificates.rendering import render_in_one_call, store_pdf
    from certify.extensions import db

    print(f"Rendering only ({args.count} certificates signed and recorded without the "
          f"eligibility check, batches of {args.batch}):")
    cohort, manager = build_cohort(args.count)
    with timed(args.count) as signing:
        certificates = sign_and_record(cohort, manager)
    print(signing["timing"].line("signed and recorded (no PDF)"))
    recorder = _Recorder()
    # Both paths are timed warm: the first call in a process loads fonts and WeasyPrint's
    # stylesheets whichever path makes it (the cold case below measures that).
    render_in_one_call(certificates[0])

    with timed(len(certificates)) as batched:
        for start in range(0, len(certificates), args.batch):
            recorder.batch_rendered(render_and_store(certificates[start:start + args.batch]))
    print(batched["timing"].line("(a) batched, 1 process"))

    pooled = None
    if args.processes > 1:
        # The renderer's workers end (and are waited for) before the timing does.
        with timed(len(certificates)) as pooled, \
                batch_renderer(args.processes, len(certificates), args.batch) as renderer:
            for start in range(0, len(certificates), args.batch):
                renderer.submit(certificates[start:start + args.batch], recorder)
        print(pooled["timing"].line(f"(a') batched, {args.processes} processes"))

    sample = certificates[:min(args.sample, len(certificates))]
    with timed(len(sample)) as single:
        for certificate in sample:
            store_pdf(certificate, render_in_one_call(certificate))
    db.session.rollback()
    one_each = single["timing"]
    print(one_each.line("(b) one WeasyPrint call each",
                        f"(sample; {args.count} would take "
                        f"{args.count / one_each.rate:.0f} s)"))
    ratio = batched["timing"].rate / one_each.rate
    print(f"  ratio (a)/(b): {ratio:.1f}x in one process"
          + (f", {pooled['timing'].rate / one_each.rate:.1f}x with {args.processes} processes"
             if pooled else "") + f"   (target: at least {TARGET_RATIO}x)")
    # CPU seconds per certificate do not depend on what else the machine is running.
    per_batched = batched["timing"].cpu / batched["timing"].count
    per_single = one_each.cpu / one_each.count
    print(f"  CPU per certificate: {per_batched * 1000:.0f} ms batched, {per_single * 1000:.0f} ms "
          f"one call each: {per_single / per_batched:.1f}x"
          + (f"; {pooled['timing'].cpu / pooled['timing'].count * 1000:.0f} ms batched in "
             f"{args.processes} processes (their start included)" if pooled else ""))
    return True


def end_to_end(args) -> bool:
    from certify.bench.issuance_world import build_finished_cohort
    from certify.certificates.bulk import issue_cohort

    count = args.end_to_end_count
    print(f"End to end (the cohort job on the real programme: {count} people who finished it, "
          f"every rule checked):")
    started = time.perf_counter()
    cohort, manager = build_finished_cohort(count, name="End to end")
    print(f"  (learning records of {count} people made through the services in "
          f"{time.perf_counter() - started:.0f} s, not counted)")
    with timed(count) as whole:
        summary = issue_cohort(cohort, actor=manager, batch_size=args.batch,
                               processes=args.processes)
    timing = whole["timing"]
    projected = TARGET_COUNT / timing.rate
    print(timing.line(f"cohort job, {args.processes} processes"))
    print(f"  issued {summary.issued}, rendered {summary.rendered}, not eligible "
          f"{summary.not_eligible}; at this rate {TARGET_COUNT} take {projected:.0f} s (target: "
          f"{TARGET_SECONDS} s)")
    return summary.issued == count and summary.rendered == count


def cold(args, folder: Path, database_url: str) -> bool:
    """The cohort issued by ``certify certificates issue`` in a fresh interpreter."""
    from certify.bench.issuance_world import build_finished_cohort

    count = args.cold
    print(f"Cold (a cohort of {count} issued by `certify certificates issue --cohort N` in a "
          f"fresh process, as a manager runs it):")
    cohort, manager = build_finished_cohort(count, name="Cold")
    environment = _cold_environment(folder, database_url)
    command = [sys.executable, "-m", "certify.cli", "certificates", "issue",
               "--cohort", str(cohort.id), "--by", manager.email]
    with timed(count) as whole:
        # The e-mails go to the console without CERTIFY_SMTP_URL: kept out of the figures.
        finished = subprocess.run(command, env=environment, capture_output=True, text=True,
                                  check=False)
    timing = whole["timing"]
    summary = re.search(r"Issued: (\d+)\..*PDFs created: (\d+)\.", finished.stdout)
    issued, rendered = (int(summary[1]), int(summary[2])) if summary else (0, 0)
    verdict = "within" if timing.seconds <= COLD_TARGET_SECONDS else "OVER"
    print(timing.line("cold command, end to end"))
    print(f"  exit {finished.returncode}, issued {issued}, rendered {rendered}: "
          f"{timing.seconds:.1f} s, {verdict} the {COLD_TARGET_SECONDS} s target")
    if finished.returncode != 0 or issued != count:
        print(finished.stderr[-2000:], file=sys.stderr)
        return False
    return rendered == count


def _cold_environment(folder: Path, database_url: str) -> dict[str, str]:
    """The command's environment: this bench's database and keys. certify's bytecode is
    compiled first, beside its sources, as an installation has it (the libraries' came with
    them): a sandbox that sets PYTHONDONTWRITEBYTECODE would compile it on every run."""
    environment = {key: value for key, value in os.environ.items()
                   if key != "CERTIFY_CERTIFICATES_RENDER_PROCESSES"}
    environment.update(CERTIFY_INSTANCE_PATH=str(folder), DATABASE_URL=database_url,
                       CERTIFY_BASE_URL=BASE_URL)
    environment.pop("PYTHONPYCACHEPREFIX", None)
    package = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=environment,
                   check=True, stdout=subprocess.DEVNULL)
    return environment


def _memory() -> None:
    own, children = peak_megabytes()
    print(f"  peak memory: {own:.0f} MB in this process, {children:.0f} MB in the largest "
          f"child (target: under {TARGET_MEGABYTES} MB whatever the count)")


class _Recorder:
    """Records each rendered batch's paths and hashes, as the job does."""

    def batch_rendered(self, files) -> None:
        from certify.certificates.bulk import record_pdf_files

        record_pdf_files(files)


# --- the data ----------------------------------------------------------------------------------

def build_cohort(count: int):
    """A programme from course_content (without quizzes, so everyone enrolled is eligible),
    a cohort with ``count`` people, and a manager; inserted in bulk."""
    import sqlalchemy as sa
    from flask import current_app

    from certify.accounts.models import Person, Role, RoleGrant
    from certify.cohorts.models import Cohort, Enrolment
    from certify.extensions import db

    programme = content_programme(Path(current_app.config["CONTENT_DIR"]))
    cohort = Cohort(programme=programme, name="Benchmark")
    manager = Person(email="manager@bench.example", given_names="Gestora", family_names="Bench",
                     preferred_locale="es")
    db.session.add_all([programme, cohort, manager])
    db.session.flush()
    db.session.add(RoleGrant(person_id=manager.id, role=Role.MANAGER))
    rows = [{"email": f"person{n}@bench.example", "given_names": GIVEN[n % len(GIVEN)],
             "family_names": f"{FAMILY[n % len(FAMILY)]} {n}",
             "preferred_locale": LOCALES[n % len(LOCALES)], "active": True,
             **Person.name_keys(GIVEN[n % len(GIVEN)], f"{FAMILY[n % len(FAMILY)]} {n}")}
            for n in range(count)]
    for start in range(0, count, 1000):
        db.session.execute(sa.insert(Person), rows[start:start + 1000])
    ids = db.session.scalars(sa.select(Person.id).where(
        Person.email.like("person%@bench.example"))).all()
    for start in range(0, len(ids), 1000):
        db.session.execute(sa.insert(Enrolment), [
            {"cohort_id": cohort.id, "person_id": person_id}
            for person_id in ids[start:start + 1000]])
    db.session.commit()
    return cohort, manager


def content_programme(content: Path):
    """The real programme's identity and modules, from course_content/."""
    from certify.programmes.models import Module, ModuleKind, Programme

    data = yaml.safe_load((content / "programme.yaml").read_text(encoding="utf-8"))
    modules = []
    for position, relative in enumerate(data["modules"], start=1):
        front = yaml.safe_load((content / relative).read_text(encoding="utf-8").split("---")[1])
        modules.append(Module(code=front["code"], position=position,
                              kind=ModuleKind(front["kind"]), title=front["title"],
                              hours=Decimal(str(front["hours"])), venue=front.get("venue")))
    name = data["issuer"]["name"]  # one name, or one per language
    names = name if isinstance(name, dict) else {}
    return Programme(code="BENCH", title=data["title"], description=data["description"],
                     certificate_title=data["certificate_title"],
                     issuer_name=names.get("es", name) if names else name, issuer_names=names,
                     issuer_url=data["issuer"]["url"],
                     authorities=data["authorities"],
                     certification_rules={"virtual_quizzes": "all"}, modules=modules)


def sign_and_record(cohort, manager) -> list:
    """One signed certificate per person, as issuing prepares them; committed in chunks."""
    import sqlalchemy as sa

    from certify.accounts.models import Person
    from certify.certificates.issuing import prepare_certificate
    from certify.certificates.models import CertificateKind
    from certify.cohorts.models import Enrolment
    from certify.extensions import db

    programme = cohort.programme
    people = db.session.scalars(sa.select(Person).join(Enrolment, Enrolment.person_id == Person.id)
                                .where(Enrolment.cohort_id == cohort.id).order_by(Person.id)).all()
    certificates = []
    for person in people:
        certificate = prepare_certificate(
            kind=CertificateKind.PROGRAMME, person=person, programme=programme,
            modules=list(programme.modules), place="Santiago de Chile",
            certificate_title=programme.certificate_title, cohort=cohort, actor=manager)
        db.session.add(certificate)
        certificates.append(certificate)
        if len(certificates) % 500 == 0:
            db.session.commit()
    db.session.commit()
    db.session.expire_on_commit = False
    for certificate in certificates:
        db.session.refresh(certificate)  # loaded once: rendering reads only its columns
    return certificates
