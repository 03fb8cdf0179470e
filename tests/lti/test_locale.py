"""The launch's facts win: a person's language follows the platform's (launches, roster) unless
they chose another in certify; people the roster sync creates get the platform's language."""

from __future__ import annotations

import sqlalchemy as sa

from certify.bench.lti_platform import CLAIM
from certify.extensions import db
from certify.lti.models import LtiContext, LtiUser
from certify.lti.roster import sync_roster
from tests.lti.conftest import COURSE


def speaking(locale: str):
    def tamper(body):
        body[CLAIM + "launch_presentation"]["locale"] = locale
    return tamper


def person_of(subject: str):
    return db.session.scalar(sa.select(LtiUser).where(LtiUser.subject == subject)).person


def test_each_launch_brings_the_platforms_language_until_the_person_chooses_one(
        client, launcher, registered, course):
    assert launcher.launch("learner-1", link_id="link-m1",
                           tamper=speaking("en-US")).status_code == 302
    person = person_of("learner-1")
    assert person.preferred_locale == "en"
    # The platform's language changes: certify follows.
    assert launcher.launch("learner-1", link_id="link-m1",
                           tamper=speaking("pt-BR")).status_code == 302
    db.session.refresh(person)
    assert person.preferred_locale == "pt_BR"
    # The person chooses Spanish in certify: from then on, theirs wins.
    assert client.post("/locale", data={"locale": "es", "next": "/"}).status_code == 302
    db.session.refresh(person)
    assert person.preferred_locale == "es"
    assert launcher.launch("learner-1", link_id="link-m1",
                           tamper=speaking("en")).status_code == 302
    db.session.refresh(person)
    assert person.preferred_locale == "es"


def test_a_launch_without_a_language_changes_nothing(launcher, registered, course):
    assert launcher.launch("learner-1", link_id="link-m1",
                           tamper=speaking("en")).status_code == 302
    assert launcher.launch("learner-1", link_id="link-m1", tamper=lambda body: body.pop(
        CLAIM + "launch_presentation")).status_code == 302
    assert person_of("learner-1").preferred_locale == "en"


def test_people_the_roster_creates_get_the_platforms_language(launcher, registered, course,
                                                              platform):
    assert launcher.launch("teacher-1", link_id="link-plain",
                           tamper=speaking("en-GB")).status_code == 302
    db.session.refresh(registered)
    assert registered.locale == "en"
    report = sync_roster(db.session.scalar(sa.select(LtiContext).where(
        LtiContext.context_id == COURSE)))
    assert report.people_created == 2
    assert {person_of(subject).preferred_locale for subject in ("learner-1", "learner-2")} == {
        "en"}
    # Created by the roster, not launched: no launch is recorded for them.
    assert db.session.scalar(sa.select(LtiUser.last_launch_at).where(
        LtiUser.subject == "learner-2")) is None
