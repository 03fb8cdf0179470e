"""Survey templates from course_content/surveys/*.yaml: loading, re-loading, precise refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from certify.extensions import db
from certify.programmes.content import load_course_content
from certify.programmes.content_files import ContentError
from certify.programmes.models import Programme
from certify.surveys.models import ItemKind, SurveyItem, SurveyTemplate

# No query whose result depends on the database: SQLite only.
pytestmark = pytest.mark.one_database

SURVEY = "course_content/surveys/satisfaction.yaml"

SMALL = """\
key: module_check
title:
  es: "Encuesta breve"
  en: "Short survey"
items:
  - key: useful
    kind: scale
    prompt:
      es: "¿Fue útil?"
  - key: comments
    kind: text
    required: true
    prompt: "Comentarios"
"""


@pytest.fixture
def content(app, tmp_path) -> Path:
    target = tmp_path / "course_content"
    shutil.copytree(app.config["CONTENT_DIR"], target)
    return target


def snapshot() -> dict:
    """Everything the survey part writes, to show a refused load changed nothing."""
    templates = {t.key: (t.title, t.source_path)
                 for t in db.session.scalars(sa.select(SurveyTemplate))}
    items = {(i.template.key, i.key): (i.position, i.kind, i.prompt, i.required, i.active)
             for i in db.session.scalars(sa.select(SurveyItem))}
    return {"templates": templates, "items": items,
            "programmes": db.session.scalar(sa.select(sa.func.count()).select_from(Programme))}


def template(key: str = "satisfaction") -> SurveyTemplate:
    return db.session.scalar(sa.select(SurveyTemplate).where(SurveyTemplate.key == key))


def test_the_real_satisfaction_survey_is_loaded(programme):
    survey = template()
    assert survey.programme_id == programme.id
    assert survey.title["es"] == "Encuesta de satisfacción del programa"
    assert survey.source_path == SURVEY
    assert [item.key for item in survey.items] == [
        "overall", "content_relevance", "facilitators", "applicability", "organisation",
        "recommend", "most_valuable", "improve"]
    assert [item.kind for item in survey.items] == [ItemKind.SCALE] * 6 + [ItemKind.TEXT] * 2
    assert [item.required for item in survey.items] == [True] * 6 + [False] * 2
    assert all({"es", "pt", "en"} <= set(item.prompt) for item in survey.items)


def test_every_file_in_the_folder_is_loaded_and_reloading_changes_nothing(content):
    (content / "surveys" / "module_check.yaml").write_text(SMALL, encoding="utf-8")
    report = load_course_content(content)
    assert report.counts["survey template"]["created"] == 2
    small = template("module_check")
    assert small.title == {"es": "Encuesta breve", "en": "Short survey"}
    assert [(i.key, i.kind, i.required, i.prompt) for i in small.items] == [
        ("useful", ItemKind.SCALE, True, {"es": "¿Fue útil?"}),
        ("comments", ItemKind.TEXT, True, {"es": "Comentarios"})]
    before = snapshot()
    report = load_course_content(content)
    assert snapshot() == before
    assert set(report.counts["survey template"]) == {"unchanged"}
    assert set(report.counts["survey item"]) == {"unchanged"}


def test_an_item_removed_from_the_file_is_retired_and_comes_back(content):
    load_course_content(content)
    path = content / "surveys" / "satisfaction.yaml"
    original = path.read_text(encoding="utf-8")
    start = original.index("  - key: most_valuable")
    end = original.index("  - key: improve")
    path.write_text(original[:start] + original[end:], encoding="utf-8")
    report = load_course_content(content)
    assert report.counts["survey item"]["retired"] == 1
    items = {item.key: item for item in template().items}
    assert len(items) == 8 and items["most_valuable"].active is False
    assert [item.key for item in template().active_items][-1] == "improve"
    path.write_text(original, encoding="utf-8")
    load_course_content(content)
    assert items["most_valuable"].active is True


def test_a_changed_prompt_updates_the_item_in_place(content):
    load_course_content(content)
    path = content / "surveys" / "satisfaction.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Puedo aplicar lo aprendido en mi municipio.", "Aplicaré lo aprendido."), encoding="utf-8")
    report = load_course_content(content)
    assert report.counts["survey item"]["updated"] == 1
    item = next(i for i in template().items if i.key == "applicability")
    assert item.prompt["es"] == "Aplicaré lo aprendido."


BROKEN = [
    ("unknown top-level key", "key: satisfaction\n", "key: satisfaction\ncolour: blue\n",
     [(2, "unknown key 'colour' (allowed: items, key, title)")]),
    ("unknown item key", "    kind: text\n    prompt:\n      es: \"¿Qué fue",
     "    kind: text\n    weight: 2\n    prompt:\n      es: \"¿Qué fue",
     [(45, "item 7: unknown key 'weight' (allowed: key, kind, prompt, required)")]),
    ("unknown kind", "  - key: recommend\n    kind: scale", "  - key: recommend\n    kind: stars",
     [(38, "'kind' must be one of scale, text, not 'stars'")]),
    ("duplicate item key", "  - key: recommend\n", "  - key: overall\n",
     [(37, "item key 'overall' is also used on line 7")]),
    ("missing Spanish", "      es: \"Puedo aplicar lo aprendido en mi municipio.\"\n", "",
     [(27, "'prompt' needs at least the Spanish text (es)")]),
    ("item without a prompt",
     "    kind: scale\n    prompt:\n"
     "      es: \"En general, ¿qué tan satisfecho/a estás con el programa?\"\n"
     "      pt: \"De modo geral, quão satisfeito/a você está com o programa?\"\n"
     "      en: \"Overall, how satisfied are you with the programme?\"\n", "    kind: scale\n",
     [(7, "item 1: missing required key 'prompt'")]),
    ("missing title", "title:\n  es: \"Encuesta de satisfacción del programa\"\n"
                      "  pt: \"Pesquisa de satisfação do programa\"\n"
                      "  en: \"Programme satisfaction survey\"\n", "",
     [(1, "missing required key 'title'")]),
    ("bad key", "key: satisfaction\n", "key: Satisfacción\n",
     [(1, "the survey: 'key' must be 1 to 40 lower-case letters, digits or '_', starting with a "
          "letter, not 'Satisfacción'")]),
    ("no items", "items:\n", "items: []\nold_items:\n",
     [(7, "unknown key 'old_items' (allowed: items, key, title)"),
      (6, "'items' must be a non-empty list")]),
    ("invalid YAML", "key: satisfaction\n", "key: [satisfaction\n",
     [(2, "invalid YAML: did not find expected ',' or ']'")]),
]


@pytest.mark.parametrize("old, new, expected", [case[1:] for case in BROKEN],
                         ids=[case[0] for case in BROKEN])
def test_a_broken_survey_file_is_refused_with_path_and_line_and_changes_nothing(
        content, old, new, expected):
    load_course_content(content)
    before = snapshot()
    path = content / "surveys" / "satisfaction.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_course_content(content)
    assert [(p.path, p.line, p.message) for p in error.value.problems] == [
        (SURVEY, line, message) for line, message in expected]
    assert f"{SURVEY}:{expected[0][0]}: {expected[0][1]}" in error.value.message
    assert snapshot() == before


def test_a_broken_survey_stops_the_whole_first_load(content):
    (content / "surveys" / "broken.yaml").write_text(SMALL.replace("kind: scale", "kind: 5"),
                                                     encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_course_content(content)
    assert [str(p) for p in error.value.problems] == [
        "course_content/surveys/broken.yaml:7: 'kind' must be one of scale, text, not 5"]
    assert snapshot() == {"templates": {}, "items": {}, "programmes": 0}


def test_two_files_cannot_share_a_survey_key(content):
    (content / "surveys" / "zz-copy.yaml").write_text(
        SMALL.replace("key: module_check", "key: satisfaction"), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_course_content(content)
    assert [str(p) for p in error.value.problems] == [
        "course_content/surveys/zz-copy.yaml:1: survey key 'satisfaction' is also used in "
        f"{SURVEY}:1"]


def test_an_item_cannot_change_kind_once_loaded(content):
    load_course_content(content)
    before = snapshot()
    path = content / "surveys" / "satisfaction.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - key: recommend\n    kind: scale",
                                 "  - key: recommend\n    kind: text"), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_course_content(content)
    assert [str(p) for p in error.value.problems] == [
        f"{SURVEY}:38: item 'recommend' was loaded as a scale item; changing its kind would "
        "change the meaning of earlier answers (use a new key)"]
    assert snapshot() == before


def test_a_programme_without_a_surveys_folder_loads(content):
    shutil.rmtree(content / "surveys")
    report = load_course_content(content)
    assert "survey template" not in report.counts
    assert snapshot()["templates"] == {}
