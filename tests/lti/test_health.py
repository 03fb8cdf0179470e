"""/lti/platforms tells the Moodle administrator how each platform is doing, and "test this
platform" fetches its keys and calls its token endpoint, saying what is wrong."""

from __future__ import annotations

import sqlalchemy as sa

from certify.extensions import db
from certify.lti.models import AccessToken, LtiPlatform
from tests.lti.test_grades import person_of, run_queued, take_quiz


def test_the_platforms_page_shows_launches_grades_sent_and_failed(client, launcher, login_as,
                                                                  manager, platform, registered,
                                                                  course):
    login_as(manager)
    page = client.get("/lti/platforms").text
    assert "No launch has arrived yet" in page and "No grade sent yet" in page
    assert launcher.launch("learner-1", link_id="link-m1").status_code == 302
    assert launcher.launch("learner-2", link_id="link-m1").status_code == 302
    take_quiz(person_of("learner-1"), "M1")
    run_queued()
    platform.fail_next_scores = [(400, "user learner-2 is not in the course")]
    take_quiz(person_of("learner-2"), "M1")
    run_queued()
    login_as(manager)
    page = client.get("/lti/platforms").text
    assert "Last launch:" in page and "Grades last sent:" in page
    assert "1 grade failed" in page and "user learner-2 is not in the course" in page


def test_testing_a_working_platform_says_so(client, login_as, manager, registered):
    login_as(manager)
    response = client.post(f"/lti/platforms/{registered.id}/check", follow_redirects=True)
    assert "has 1 key(s)" in response.text and "gave certify an access token" in response.text
    assert db.session.scalar(sa.select(AccessToken.platform_id)) == registered.id


def test_testing_a_misconfigured_platform_says_what_is_wrong(client, login_as, manager,
                                                             registered, platform):
    registered.client_id = "a-client-id-moodle-never-gave"
    registered.key_set_url = f"{platform.url}/no-such-key-set"
    db.session.commit()
    login_as(manager)
    page = client.post(f"/lti/platforms/{registered.id}/check", follow_redirects=True).text
    assert "could not be read" in page and "no-such-key-set" in page
    assert "refused certify" in page and "Check the client id" in page
    assert db.session.get(LtiPlatform, registered.id).key_set is None
