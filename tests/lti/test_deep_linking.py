"""Instructors pick activities; certify answers the platform with signed resource links that
carry gradebook columns."""

from __future__ import annotations

import re
from html import unescape

import jwt
import pytest
import requests

from certify.bench.lti_platform import CLAIM
from certify.lti.keys import public_key_set
from tests.lti.conftest import COURSE

CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


def open_picker(launcher, user_id="teacher-1", **claims) -> str:
    response = launcher.launch(user_id, message_type="LtiDeepLinkingRequest", **claims)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def returned_form(response) -> tuple[str, str]:
    page = response.get_data(as_text=True)
    action = unescape(re.search(r'action="([^"]+)" id="deep-link-return"', page).group(1))
    token = re.search(r'name="JWT" value="([^"]+)"', page).group(1)
    return action, token


def test_an_instructor_adds_the_four_virtual_modules_and_the_project(client, launcher,
                                                                     platform, registered,
                                                                     course):
    picker = open_picker(launcher)
    assert picker.startswith("/lti/deep-link/")
    page = client.get(picker)
    assert page.status_code == 200
    for value in ("module:M1", "quiz:M1", "module:M4", "session:M5", "project"):
        assert f'value="{value}"' in page.text

    chosen = ["module:M1", "module:M2", "module:M3", "module:M4", "project"]
    response = client.post(picker, data={"targets": chosen})
    assert response.status_code == 200
    action, token = returned_form(response)
    assert action == f"{platform.url}/deep-link-return/{COURSE}"

    body = jwt.decode(token, jwt.PyJWK.from_dict(public_key_set()["keys"][0]).key,
                      algorithms=["RS256"], audience=platform.issuer)
    assert body["iss"] == platform.client_id
    assert body[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert body[CLAIM + "deployment_id"] == platform.deployment_id
    items = body[CONTENT_ITEMS]
    assert [item["custom"]["certify_target"] for item in items] == chosen
    assert all(item["type"] == "ltiResourceLink" and
               item["url"] == "https://certify.test/lti/launch" for item in items)
    assert [item["lineItem"]["resourceId"] for item in items] == [
        "quiz:M1", "quiz:M2", "quiz:M3", "quiz:M4", "project"]
    assert items[0]["lineItem"] == {"label": "M1 · Innovación pública y valor público",
                                    "scoreMaximum": 100.0, "resourceId": "quiz:M1",
                                    "tag": "certify-quiz:M1"}

    # The browser posts it to the platform, which creates the activities and their columns.
    answer = requests.post(action, data={"JWT": token}, timeout=10)
    assert answer.status_code == 200 and "Added 5 activities" in answer.text
    created = [link for link_id, link in platform.courses[COURSE].links.items()
               if link_id.startswith("link-") and link["custom"].get("certify_target") in chosen
               and link["line_item"] and link["line_item"]["tag"].startswith("certify-")]
    assert len(created) == 5


def test_a_module_and_its_quiz_share_one_gradebook_column(client, launcher, registered, course):
    picker = open_picker(launcher)
    response = client.post(picker, data={"targets": ["quiz:M2", "module:M2", "session:M5"]})
    _action, token = returned_form(response)
    items = jwt.decode(token, options={"verify_signature": False})[CONTENT_ITEMS]
    assert "lineItem" in items[0] and "lineItem" not in items[1] and "lineItem" not in items[2]


@pytest.mark.parametrize("data, message", [
    ({}, "Choose at least one"),
    ({"targets": ["module:M9"]}, "Unknown activity"),
])
def test_bad_choices_are_explained(client, launcher, registered, course, data, message):
    response = client.post(open_picker(launcher), data=data)
    assert response.status_code == 422 and message in response.text


def test_one_choice_only_when_the_platform_accepts_one(client, launcher, registered, course):
    picker = open_picker(launcher, accept_multiple=False)
    response = client.post(picker, data={"targets": ["module:M1", "module:M2"]})
    assert response.status_code == 422 and "choose only one" in response.text
    assert client.post(picker, data={"targets": ["module:M1"]}).status_code == 200


def test_learners_cannot_add_activities(launcher, registered, course):
    response = launcher.launch("learner-1", message_type="LtiDeepLinkingRequest")
    assert response.status_code == 403 and "can add certify activities" in response.text


def test_the_picker_opens_with_its_launch_token_even_without_any_cookie(app, launcher,
                                                                         registered, course):
    picker = open_picker(launcher)
    cookieless = app.test_client(use_cookies=False)  # a frame whose browser keeps no cookie
    page = cookieless.get(picker)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"  # token stays
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.text).group(1)
    path = picker.partition("?")[0]
    response = cookieless.post(path, data={"targets": ["project"], "token": token})
    assert response.status_code == 200
    _action, answer = returned_form(response)
    items = jwt.decode(answer, options={"verify_signature": False})[CONTENT_ITEMS]
    assert [item["custom"]["certify_target"] for item in items] == ["project"]


def test_the_picker_needs_the_token_of_its_own_launch(client, launcher, registered, course):
    first, second = open_picker(launcher), open_picker(launcher)
    first_path, second_token = first.partition("?")[0], second.partition("?")[2]
    assert client.get(first_path).status_code == 403
    assert client.get(f"{first_path}?{second_token}").status_code == 403
    assert client.post(first_path, data={"targets": ["project"]}).status_code == 403
    assert client.post(first_path, data={"targets": ["project"],
                                         "token": "forged"}).status_code == 403


def test_the_picker_token_expires(client, launcher, registered, course, monkeypatch):
    picker = open_picker(launcher)
    monkeypatch.setattr("certify.lti.deep_linking.PICKER_MINUTES", -1)  # expired a minute ago
    assert client.get(picker).status_code == 403


def _answer_items(client, launcher, targets, **settings) -> dict:
    picker = open_picker(launcher, deep_linking_settings=settings)
    response = client.post(picker, data={"targets": targets})
    assert response.status_code == 200, response.text
    return jwt.decode(returned_form(response)[1], options={"verify_signature": False})


def test_no_gradebook_columns_when_the_platform_does_not_accept_them(client, launcher,
                                                                      registered, course):
    body = _answer_items(client, launcher, ["module:M1", "project"], accept_lineitem=False)
    assert all("lineItem" not in item for item in body[CONTENT_ITEMS])
    body = _answer_items(client, launcher, ["module:M1"], accept_lineitem=True)
    assert "lineItem" in body[CONTENT_ITEMS][0]


@pytest.mark.parametrize("accepted, shown", [
    (["iframe", "window"], {"iframe": {}}),
    (["window"], {"window": {"targetName": "certify"}}),
    (["embed"], {}),
])
def test_activities_open_as_the_platform_accepts(client, launcher, registered, course,
                                                 accepted, shown):
    body = _answer_items(client, launcher, ["project"],
                         accept_presentation_document_targets=accepted)
    item = body[CONTENT_ITEMS][0]
    assert {key: item[key] for key in ("iframe", "window") if key in item} == shown


def test_no_data_claim_when_the_request_had_none(client, launcher, registered, course):
    body = _answer_items(client, launcher, ["project"], data=None)
    assert "https://purl.imsglobal.org/spec/lti-dl/claim/data" not in body
    body = _answer_items(client, launcher, ["project"], data="opaque")
    assert body["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque"


def test_an_unknown_launch_is_not_found(client, registered):
    from certify.lti.deep_linking import picker_token

    token = picker_token("lti1p3-launch-unknown")
    assert client.get(f"/lti/deep-link/lti1p3-launch-unknown?token={token}").status_code == 404
