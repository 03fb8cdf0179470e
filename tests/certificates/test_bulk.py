"""Issuing a cohort's certificates in batches: counts, PDFs, e-mails, resuming, the command."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from certify.certificates import bulk
from certify.certificates.issuing import issue_programme_certificate
from certify.certificates.models import Certificate
from certify.certificates.rendering import render_certificate, storage_root
from certify.cohorts.services import create_cohort
from certify.core.clock import utcnow
from certify.core.jobs import Job, JobStatus, enqueue, run_job
from certify.core.mail import OutboxMessage
from certify.extensions import db
from tests.certificates.conftest import enrolled


@pytest.fixture(autouse=True)
def render_here(app, monkeypatch):
    """Render in this process (monkeypatching reaches it); one test starts worker processes."""
    monkeypatch.setitem(app.config, "CERTIFICATES_RENDER_PROCESSES", 1)


@pytest.fixture
def cohort_of_five(world):
    """The world's holder and four more eligible people (accents, three languages)."""
    for given, family, locale in (("Ana", "Peña", "es"), ("João", "Araújo", "pt_BR"),
                                  ("Zoë", "Müller", "en"), ("Iñaki", "Ñuñoa", "es")):
        enrolled(world.cohort, given_names=given, family_names=family, preferred_locale=locale)
    return world


def certificates_of(cohort) -> list[Certificate]:
    return list(db.session.scalars(sa.select(Certificate).where(
        Certificate.cohort_id == cohort.id).order_by(Certificate.id)))


def start(world) -> Job:
    record = enqueue("issue_cohort_certificates", started_by=world.manager,
                     cohort_id=world.cohort.id, actor_id=world.manager.id)
    db.session.commit()
    return record


def assert_stored(certificate: Certificate) -> None:
    data = (storage_root() / certificate.pdf_path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    assert data == render_certificate(certificate)  # the batched page is the certificate's PDF


def test_the_job_issues_renders_and_mails_everyone_eligible(cohort_of_five, monkeypatch):
    world = cohort_of_five
    earlier = issue_programme_certificate(world.holder, world.cohort, actor=world.manager,
                                          now=utcnow() - timedelta(days=1))
    db.session.commit()
    told_before = set(db.session.scalars(sa.select(OutboxMessage.id)))
    monkeypatch.setattr(bulk, "BATCH_SIZE", 2)
    finished = run_job(start(world).id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    assert finished.result["issued"] == 4 and finished.result["already"] == 1
    assert finished.result["not_eligible"] == 0
    assert finished.result["rendered"] == 5  # the earlier certificate had no PDF yet
    assert (finished.progress_done, finished.progress_total) == (5, 5)
    certificates = certificates_of(world.cohort)
    assert len(certificates) == 5 and earlier.id in {c.id for c in certificates}
    for certificate in certificates:
        assert_stored(certificate)
    mails = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.id.not_in(told_before)).order_by(OutboxMessage.id)).all()
    assert len(told_before) == 1 and len(mails) == 4  # not again to the holder who had hers
    by_address = {mail.to_address: mail for mail in mails}
    joao = next(c for c in certificates if c.holder_name == "João Araújo")
    mail = by_address[db.session.get(type(world.manager), joao.person_id).email]
    assert mail.locale == "pt_BR" and joao.serial in mail.text_body
    assert f"https://certify.test/v/{joao.qr_token}" in mail.text_body
    assert "https://certify.test/my-certificates" in mail.text_body
    assert "Agente de Inovação Pública" in mail.subject and mail.html_body


def test_running_it_again_issues_nothing_twice(cohort_of_five):
    world = cohort_of_five
    first = run_job(start(world).id)
    again = run_job(start(world).id)
    assert first.result["issued"] == 5
    assert again.result["issued"] == 0 and again.result["already"] == 5
    assert again.result["rendered"] == 0
    assert len(certificates_of(world.cohort)) == 5
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 5  # one each


def test_interrupted_halfway_it_resumes_with_only_what_is_missing(cohort_of_five, monkeypatch):
    world = cohort_of_five
    monkeypatch.setattr(bulk, "BATCH_SIZE", 2)
    rendered_batches = []
    real = bulk.render_and_store

    def dies_on_the_second_batch(certificates):
        if rendered_batches:
            raise RuntimeError("killed while rendering")
        rendered_batches.append(len(certificates))
        return real(certificates)

    monkeypatch.setattr(bulk, "render_and_store", dies_on_the_second_batch)
    record = start(world)
    interrupted = run_job(record.id)
    assert interrupted.status is JobStatus.QUEUED and "killed while rendering" in interrupted.error
    halfway = certificates_of(world.cohort)
    # Two batches were signed and recorded; only the first was rendered.
    assert len(halfway) == 4 and sum(1 for c in halfway if c.pdf_path) == 2

    monkeypatch.setattr(bulk, "render_and_store", real)
    interrupted.run_after = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resumed = run_job(record.id)
    assert resumed.status is JobStatus.SUCCEEDED and resumed.attempts == 2
    assert resumed.result["issued"] == 5 and resumed.result["already"] == 0
    certificates = certificates_of(world.cohort)
    assert len(certificates) == 5
    assert len({c.person_id for c in certificates}) == 5  # nobody got two
    assert {c.id for c in halfway} <= {c.id for c in certificates}  # nothing was redone
    for certificate in certificates:
        assert_stored(certificate)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 5  # one each


@pytest.fixture
def unfinished_job(programme, manager) -> Job:
    """A finished cohort issuance where three people are not eligible yet."""
    cohort = create_cohort(programme, name="Cohorte sin terminar")
    db.session.commit()
    for name in ("Ana", "Beto", "Caro"):
        enrolled(cohort, given_names=name)
    finished = run_job(enqueue("issue_cohort_certificates", started_by=manager,
                               cohort_id=cohort.id, actor_id=manager.id).id)
    assert finished.status is JobStatus.SUCCEEDED
    return finished


def test_people_not_eligible_are_counted_with_their_reasons_as_codes(unfinished_job):
    result = unfinished_job.result
    assert result["issued"] == 0 and result["not_eligible"] == 3
    counts = {tuple(sorted(item["reason"].items())): item["count"] for item in result["reasons"]}
    assert counts[(("code", "survey_not_answered"),)] == 3
    assert counts[(("code", "quiz_not_taken"), ("number", 1))] == 3
    assert [person["name"].split()[0] for person in result["not_eligible_people"]] == \
        ["Ana", "Beto", "Caro"]
    assert {"code": "quiz_not_taken", "number": 1} in result["not_eligible_people"][0]["reasons"]
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


@pytest.mark.parametrize(("lang", "reason", "spanish_absent"), [
    ("es", "Cuestionario del módulo 1 aún sin responder", False),
    ("pt_BR", "Questionário do módulo 1 ainda não respondido", True),
    ("en", "Module 1 quiz not taken yet", True),
])
def test_the_job_page_reads_the_reasons_in_the_readers_language(
        client, login_as, manager, unfinished_job, lang, reason, spanish_absent):
    login_as(manager)
    page = client.get(f"/jobs/{unfinished_job.id}?lang={lang}").text
    assert reason in page and page.count(reason) == 4  # the table, and each of the three people
    assert ("aún sin responder" not in page) is spanish_absent


def test_reasons_stored_as_sentences_by_earlier_versions_still_show(client, login_as, manager,
                                                                    unfinished_job):
    unfinished_job.result = {**unfinished_job.result, "reasons": {"Encuesta final pendiente": 2},
                             "not_eligible_people": [{"name": "Ana", "reasons": ["Texto viejo"]}]}
    db.session.commit()
    login_as(manager)
    page = client.get(f"/jobs/{unfinished_job.id}?lang=en").text
    assert "Encuesta final pendiente" in page and "Texto viejo" in page


def test_a_cohort_that_is_gone_fails_the_job_with_a_message(world):
    record = enqueue("issue_cohort_certificates", cohort_id=987654, actor_id=None)
    db.session.commit()
    with force_locale("en"):
        finished = run_job(record.id)
    assert finished.status is JobStatus.FAILED and "987654" in finished.error


def test_worker_processes_render_the_same_files(cohort_of_five):
    world = cohort_of_five
    summary = bulk.issue_cohort(world.cohort, actor=world.manager, batch_size=2, processes=2)
    assert summary.issued == 5 and summary.rendered == 5
    for certificate in certificates_of(world.cohort):
        assert_stored(certificate)


def test_forked_workers_split_a_small_cohort_and_render_the_same_files(cohort_of_five,
                                                                       monkeypatch):
    world = cohort_of_five
    monkeypatch.setattr(bulk, "MIN_PER_FORK", 2)
    monkeypatch.setattr(bulk, "_can_fork", lambda: True)
    batches = []
    original = bulk._PoolRenderer.submit

    def submit(renderer, certificates, progress):
        batches.append((renderer.fork, len(certificates)))
        original(renderer, certificates, progress)

    monkeypatch.setattr(bulk._PoolRenderer, "submit", submit)
    summary = bulk.issue_cohort(world.cohort, actor=world.manager, processes=2)
    assert summary.issued == 5 and summary.rendered == 5
    assert batches == [(True, 3), (True, 2)]  # five people: one batch per worker, not one
    for certificate in certificates_of(world.cohort):
        assert_stored(certificate)


def test_a_process_with_other_threads_does_not_fork_its_workers():
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not bulk._can_fork()
        assert isinstance(bulk.batch_renderer(2, 60, 100), bulk._LocalRenderer)
    finally:
        release.set()
        other.join()


def test_the_command_shows_progress_and_a_summary(app, cohort_of_five):
    world = cohort_of_five
    result = app.test_cli_runner().invoke(args=[
        "certificates", "issue", "--cohort", str(world.cohort.id), "--by", world.manager.email])
    assert result.exit_code == 0, result.output
    assert "Issued: 5. Already had one: 0. Not eligible: 0. PDFs created: 5." in result.output
    record = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert record.status is JobStatus.SUCCEEDED and record.started_by_id == world.manager.id
    assert len(certificates_of(world.cohort)) == 5


def test_the_command_explains_an_unknown_cohort(app):
    result = app.test_cli_runner().invoke(args=["certificates", "issue", "--cohort", "424242"])
    assert result.exit_code == 2 and "424242" in result.output
