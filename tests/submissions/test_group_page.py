"""An official's group page links the group's prototype and shows the rubric it is graded by."""

from __future__ import annotations

from certify.submissions.grading import rubric_of


def test_the_group_page_links_the_prototype_and_shows_the_rubric(client, login_as, world):
    login_as(world.ana)
    page = client.get(f"/my-programme/{world.cohort.id}/group").text
    assert f'href="/groups/{world.group.id}/prototype"' in page
    rubric = rubric_of(world.programme)
    assert rubric is not None and rubric.active_criteria
    assert 'id="rubric"' in page and "How the prototype is graded" in page
    assert f"{rubric.pass_mark}% of the maximum" in page
    for criterion in rubric.active_criteria:
        assert f"×{criterion.weight}" in page
