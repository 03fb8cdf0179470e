"""Sign-in attempts are rate limited per address and per account."""

from __future__ import annotations

import pytest

from certify.extensions import limiter
from tests.conftest import make_app


@pytest.fixture
def limited_client(app, tmp_path):
    limited = make_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                       RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    yield limited.test_client()
    # The limiter is one object for every app: turn it back off for the other tests.
    limiter.reset()
    limiter.enabled = app.config["RATELIMIT_ENABLED"]


def test_the_fourth_attempt_within_a_minute_is_refused(limited_client):
    statuses = [limited_client.post("/login", data={"email": "x@example.org", "password": "wrong-password"},
                                    headers={"Accept": "application/json"}).status_code
                for _ in range(4)]
    assert statuses[:3] != [429] * 3 and statuses[3] == 429
    response = limited_client.post("/login", data={"email": "x@example.org", "password": "x"})
    assert response.status_code == 429 and "Retry-After" in response.headers
