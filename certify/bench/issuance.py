"""Certificate issuance: batched rendering against one WeasyPrint call per certificate.

``python -m certify.bench issuance --count 1000`` builds a throwaway database
(SQLite in a temporary folder, or ``--database-url``) with ``count`` people
in a cohort, signs and records a certificate for each (the issuing path,
without the eligibility check), then renders and stores their PDFs:

- batched, in this process: one WeasyPrint layout per batch of ``--batch``;
- batched, with ``--processes`` worker processes (what bulk issuance uses);
- one WeasyPrint call per certificate, on a sample (``--sample``), extrapolated.

``--end-to-end`` instead times the whole job for ``count`` eligible people:
eligibility, signing, recording, e-mails, rendering, storing (2-minute target
for 5,000). Peak memory is the high-water mark of this process's resident set
(and of the largest worker process). Timings are wall-clock on a shared
machine; CPU seconds (this process and its finished worker processes) are printed
beside them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

TARGET_RATIO = 6
TARGET_SECONDS = 120
TARGET_MEGABYTES = 500
GIVEN = ["María José", "João", "Zoë", "Iñaki", "Ana Lucía", "Antônio", "Chloé", "Ñandú"]
FAMILY = ["Ñancupil Huenchumán", "Araújo", "Müller Peña", "Gómez", "Fernández-Ñúñez", "Souza"]
LOCALES = ["es", "pt_BR", "en"]


@dataclass
class Timing:
    seconds: float
    cpu: float
    count: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")

    def line(self, label: str, note: str = "") -> str:
        return (f"  {label:<44} {self.rate:8.1f} certificates/s  "
                f"({self.seconds:7.1f} s wall, {self.cpu:7.1f} s CPU, {self.count} certificates)"
                + (f"  {note}" if note else ""))


def cpu_seconds() -> float:
    """CPU of this process and of its finished children (the rendering pool's workers):
    the parent alone would show a fraction of the work the pooled paths do."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def timed(count: int):
    box = {}
    wall, cpu = time.perf_counter(), cpu_seconds()
    yield box
    box["timing"] = Timing(time.perf_counter() - wall, cpu_seconds() - cpu, count)


def peak_megabytes() -> tuple[float, float]:
    """(this process, the largest finished child) resident set high-water marks, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m certify.bench issuance",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100, help="certificates per WeasyPrint call")
    parser.add_argument("--sample", type=int, default=50,
                        help="certificates rendered one call each, to extrapolate from")
    parser.add_argument("--processes", type=int, default=max(1, min(os.cpu_count() or 1, 4)))
    parser.add_argument("--end-to-end", action="store_true",
                        help="time the whole job (eligibility, signing, recording, e-mails, "
                             "rendering, storing)")
    parser.add_argument("--database-url", default=os.environ.get("CERTIFY_BENCH_DATABASE_URL"),
                        help="a PostgreSQL database whose contents are replaced (default: "
                             "CERTIFY_BENCH_DATABASE_URL, else SQLite in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="certify-bench-"))
    os.environ["CERTIFY_INSTANCE_PATH"] = str(folder)
    try:
        app = _app(folder, args)
        with app.app_context():
            _header(args)
            if args.end_to_end:
                return end_to_end(args)
            return compare(args)
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
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BASE_URL": "https://certify.example.org",
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

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"certify issuance benchmark: {args.count} certificates, batches of {args.batch}, "
          f"{os.cpu_count()} CPUs (load average {load}), WeasyPrint {weasyprint.__version__}, "
          f"QR by segno {segno.__version__}, {db.engine.dialect.name}")


def compare(args) -> int:
    from certify.certificates.bulk import batch_renderer, render_and_store
    from certify.certificates.rendering import render_in_one_call, store_pdf
    from certify.extensions import db

    cohort, manager = build_cohort(args.count)
    with timed(args.count) as signing:
        certificates = sign_and_record(cohort, manager)
    print(signing["timing"].line("signed and recorded (no PDF)"))
    recorder = _Recorder()
    # Both paths are timed warm: the first call in a process loads fonts and WeasyPrint's
    # stylesheets whichever path makes it.
    render_in_one_call(certificates[0])

    with timed(len(certificates)) as batched:
        for start in range(0, len(certificates), args.batch):
            recorder.batch_rendered(render_and_store(certificates[start:start + args.batch]))
    print(batched["timing"].line("(a) batched, 1 process"))

    pooled = None
    if args.processes > 1:
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
    print(one_each.line("(b) one WeasyPrint call per certificate",
                        f"sample of {len(sample)}; {args.count} would take "
                        f"{args.count / one_each.rate:.0f} s (extrapolated)"))
    ratio = batched["timing"].rate / one_each.rate
    print(f"  ratio (a)/(b): {ratio:.1f}x in one process"
          + (f", {pooled['timing'].rate / one_each.rate:.1f}x with {args.processes} processes"
             if pooled else "") + f"   (target: at least {TARGET_RATIO}x)")
    # CPU seconds per certificate do not depend on what else the machine is running.
    per_batched = batched["timing"].cpu / batched["timing"].count
    per_single = one_each.cpu / one_each.count
    print(f"  CPU per certificate: {per_batched * 1000:.0f} ms batched, {per_single * 1000:.0f} ms "
          f"one call each: {per_single / per_batched:.1f}x")
    _memory()
    return 0


def end_to_end(args) -> int:
    from certify.certificates.bulk import issue_cohort

    cohort, manager = build_cohort(args.count)
    with timed(args.count) as whole:
        summary = issue_cohort(cohort, actor=manager, batch_size=args.batch,
                               processes=args.processes)
    timing = whole["timing"]
    verdict = "within" if timing.seconds <= TARGET_SECONDS else "OVER"
    print(timing.line(f"end to end, {args.processes} processes"))
    print(f"  issued {summary.issued}, rendered {summary.rendered}, not eligible "
          f"{summary.not_eligible}: {timing.seconds:.1f} s, {verdict} the {TARGET_SECONDS} s "
          f"target for {args.count}")
    _memory()
    return 0 if summary.issued == args.count else 1


def _memory() -> None:
    own, children = peak_megabytes()
    print(f"  peak memory: {own:.0f} MB in this process, {children:.0f} MB in the largest "
          f"worker (target: under {TARGET_MEGABYTES} MB whatever the count)")


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
