"""Racing requests on PostgreSQL: many threads, each with its own session and connection."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from certify.extensions import db


def race(app, threads: int, work: Callable[[int, threading.Barrier], object], *,
         timeout: float = 60) -> list:
    """Run ``work(i, barrier)`` in ``threads`` threads, each in its own app context, committed
    after; ``work`` waits on the barrier to start together. Returns what each returned, or
    the exception it raised (rolled back)."""
    barrier = threading.Barrier(threads)
    outcomes: list = [None] * threads

    def run(i: int) -> None:
        with app.app_context():
            try:
                outcomes[i] = work(i, barrier)
                db.session.commit()
            except Exception as error:  # reported by the callers' assertions
                db.session.rollback()
                outcomes[i] = error
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=timeout)
    assert not any(worker.is_alive() for worker in workers)
    return outcomes


@contextmanager
def committed_certificate(app, code: str, given_names: str) -> Iterator[dict]:
    """A programme, a cohort, a holder and a manager, and the holder's certificate, committed
    through ``app`` for tests whose requests each use their own session; all of it (replacements
    included) deleted after. Yields their ids, the serial and the tokens."""
    from certify.accounts.models import Person, Role
    from certify.certificates.issuing import issue_programme_certificate
    from certify.certificates.models import Certificate
    from certify.cohorts.models import Cohort
    from certify.cohorts.services import create_cohort
    from certify.core.audit import AuditEvent
    from certify.core.mail import OutboxMessage
    from certify.programmes.models import Programme
    from tests.certificates.conftest import enrolled, make_certificate_programme
    from tests.factories import make_person

    with app.app_context():
        programme = make_certificate_programme(code=code)
        cohort = create_cohort(programme, name=f"Cohorte {code}")
        db.session.commit()
        holder = enrolled(cohort, given_names=given_names)
        manager = make_person(Role.MANAGER)
        certificate = issue_programme_certificate(holder, cohort, actor=manager)
        db.session.commit()
        ids = {"programme": programme.id, "cohort": cohort.id, "people": [holder.id, manager.id],
               "manager": manager.id, "certificate": certificate.id,
               "serial": certificate.serial, "token": certificate.token,
               "qr_token": certificate.qr_token}
        db.session.remove()
    yield ids
    with app.app_context():
        certificates = sa.select(Certificate.id).where(Certificate.person_id.in_(ids["people"]))
        db.session.execute(sa.delete(AuditEvent).where(sa.or_(
            sa.and_(AuditEvent.subject_type == "Certificate",
                    AuditEvent.subject_id.in_(certificates)),
            sa.and_(AuditEvent.subject_type == "Cohort", AuditEvent.subject_id == ids["cohort"]))))
        db.session.execute(sa.update(Certificate).where(Certificate.id.in_(certificates))
                           .values(replaced_by_id=None))
        db.session.execute(sa.delete(Certificate).where(Certificate.id.in_(certificates)))
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_address.in_(
            sa.select(Person.email).where(Person.id.in_(ids["people"])))))
        db.session.execute(sa.delete(Cohort).where(Cohort.id == ids["cohort"]))
        db.session.execute(sa.delete(Programme).where(Programme.id == ids["programme"]))
        db.session.execute(sa.delete(Person).where(Person.id.in_(ids["people"])))
        db.session.commit()
        db.session.remove()


@contextmanager
def statements_sent(engine: sa.Engine) -> Iterator[list[str]]:
    """The first word of every statement the driver runs on ``engine``'s pooled connections
    while inside (BEGIN, SELECT, ROLLBACK...), which SQLAlchemy's own events miss when code
    uses the driver directly: SQLite's trace callback, or PostgreSQL's libpq protocol trace
    (a Query, or the Bind of a parsed statement; EXECUTE for one prepared before)."""
    import re
    import tempfile

    sent: list[str] = []
    traces: dict[int, object] = {}
    parsed: dict[str, str] = {}  # statement name -> its first word

    def first_word(text: str) -> str:
        return text.split()[0].upper() if text.strip() else ""

    def on_checkout(dbapi_connection, _record, _proxy):
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(lambda text: sent.append(first_word(text)))
        else:
            trace = traces[id(dbapi_connection)] = tempfile.TemporaryFile()  # noqa: SIM115 - closed at checkin
            dbapi_connection.pgconn.trace(trace.fileno())

    def on_checkin(dbapi_connection, _record):
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(None)
            return
        if (trace := traces.pop(id(dbapi_connection), None)) is None:
            return
        dbapi_connection.pgconn.untrace()
        trace.seek(0)
        for line in trace.read().decode().splitlines():
            fields = line.split("\t")
            if len(fields) < 5 or fields[1] != "F":
                continue
            # A statement's text may run over several lines: only its first word is read.
            if fields[3] == "Query" and (query := re.match(r'\s*"(\S*)', fields[4])):
                sent.append(first_word(query.group(1)))
            elif fields[3] == "Parse" and (parse := re.match(r'\s*"([^"]*)"\s+"(\S*)',
                                                             fields[4])):
                parsed[parse.group(1)] = first_word(parse.group(2))
            elif fields[3] == "Bind" and (bind := re.match(r'\s*"[^"]*"\s+"([^"]*)"',
                                                           fields[4])):
                sent.append(parsed.get(bind.group(1), "EXECUTE"))
        trace.close()

    sa.event.listen(engine.pool, "checkout", on_checkout)
    sa.event.listen(engine.pool, "checkin", on_checkin)
    try:
        yield sent
    finally:
        sa.event.remove(engine.pool, "checkout", on_checkout)
        sa.event.remove(engine.pool, "checkin", on_checkin)
