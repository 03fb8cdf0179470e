"""Every page may hold several forms: their hidden fields (the CSRF token first) carry no id,
so the page never repeats one."""

from __future__ import annotations

from certify.certificates.forms import ReissueForm, RevokeForm
from tests.access_matrix import duplicate_ids


def test_two_forms_on_one_page_repeat_no_id(app):
    with app.test_request_context("/"):
        forms = [RevokeForm(meta={"csrf": True}), ReissueForm(meta={"csrf": True})]
        html = "".join(f"<form>{form.hidden_tag()}{form.reason.label()}{form.reason()}</form>"
                       for form in forms)
    assert html.count('name="csrf_token"') == 2 and 'name="action"' in html
    assert duplicate_ids(html) == []
    # Each label still points at its own field.
    assert 'for="revoke-reason"' in html and 'id="revoke-reason"' in html
    assert 'for="reissue-reason"' in html and 'id="reissue-reason"' in html


def test_duplicate_ids_are_found():
    assert duplicate_ids('<p id="a"></p><input id="a"><i id="b">') == ["a"]
