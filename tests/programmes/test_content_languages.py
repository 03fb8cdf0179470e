"""Course content in es/pt/en: translations beside the Spanish reference, missing ones as
warnings, and pages that show Spanish with a note in the reader's language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from certify.assessments.models import Question, Quiz
from certify.cohorts.enrolments import enrol
from certify.cohorts.services import create_cohort
from certify.extensions import db
from certify.programmes.content import load_course_content, translation_path
from certify.programmes.models import Module
from tests.factories import make_person

PORTUGUESE_TEXT = ("# Texto em português\n\n"
                   + "A prefeitura e o servidor público trabalham juntos. " * 12)


@pytest.fixture
def partly_translated(app, tmp_path) -> Path:
    """The real content, but M1 lacks its English text and one question is Spanish only."""
    target = tmp_path / "course_content"
    shutil.copytree(app.config["CONTENT_DIR"], target)
    m1 = target / "modules" / "01-innovacion-y-valor-publico.md"
    translation_path(m1, "pt").write_text(PORTUGUESE_TEXT, encoding="utf-8")
    translation_path(m1, "en").unlink(missing_ok=True)
    quiz = target / "quizzes" / "m2.yaml"
    text = quiz.read_text(encoding="utf-8")
    start = text.index("  - key: q1\n")
    end = text.index("  - key: q2\n")
    spanish_only = ('  - key: q1\n    kind: true_false\n'
                    '    prompt: "Solo en español."\n    answer: true\n')
    quiz.write_text(text[:start] + spanish_only + text[end:], encoding="utf-8")
    return target


def module(code: str) -> Module:
    return db.session.scalar(sa.select(Module).where(Module.code == code))


def test_missing_translations_load_and_are_listed_as_warnings(partly_translated):
    report = load_course_content(partly_translated)
    warnings = [str(warning) for warning in report.warnings]
    assert any(w.startswith("course_content/modules/01-innovacion-y-valor-publico.md:1: ")
               and "01-innovacion-y-valor-publico.en.md" in w and "no 'en' translation" in w
               for w in warnings), warnings
    q1 = [w for w in warnings if "quizzes/m2.yaml" in w and "question 1: 'prompt'" in w]
    assert len(q1) == 2 and {w.rsplit("'", 2)[1] for w in q1} == {"pt", "en"}, q1
    assert not any("01-innovacion-y-valor-publico.pt.md" in w for w in warnings)

    m1 = module("M1")
    assert m1.content_in("pt_BR") == (PORTUGUESE_TEXT.strip() + "\n", False)
    assert m1.content_in("en") == (m1.content_markdown, True)
    assert m1.content_in("es") == (m1.content_markdown, False)
    question = db.session.scalar(sa.select(Question).join(Question.quiz).join(Quiz.module)
                                 .where(Module.code == "M2", Question.key == "q1"))
    assert question.prompt_in("en") == "Solo en español." and question.untranslated_in("pt_BR")


def test_the_check_command_lists_missing_translations_and_still_succeeds(app, partly_translated):
    result = app.test_cli_runner().invoke(
        args=["content", "check", "--dir", str(partly_translated)])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.stdout
    assert "warning: " in result.stderr and "no 'en' translation" in result.stderr
    assert "missing translations" in result.stderr


def test_a_translation_with_front_matter_is_a_problem(app, partly_translated):
    m1 = partly_translated / "modules" / "01-innovacion-y-valor-publico.md"
    translation_path(m1, "pt").write_text("---\ncode: M1\n---\n" + PORTUGUESE_TEXT)
    result = app.test_cli_runner().invoke(
        args=["content", "check", "--dir", str(partly_translated)])
    assert result.exit_code == 2
    assert "01-innovacion-y-valor-publico.pt.md holds only the translated Markdown" in result.output


def test_the_module_page_shows_the_readers_language_or_spanish_with_a_note(
        client, login_as, partly_translated):
    programme = load_course_content(partly_translated).programme
    cohort = create_cohort(programme, name="Cohorte bilingüe")
    official = make_person()
    enrol(cohort, official)
    db.session.commit()
    login_as(official)
    url = f"/my-programme/{cohort.id}/modules/M1"
    portuguese = client.get(url + "?lang=pt_BR").text
    assert "Texto em português" in portuguese and "translation-note" not in portuguese
    english = client.get(url + "?lang=en").text
    assert "translation-note" in english
    assert "This module is not yet translated into your language" in english
    assert '<article class="card prose" lang="es">' in english
    assert "Innovación pública y valor público</h1>" not in english  # the title is translated


LANGUAGES = ("pt", "en")


def test_the_shipped_content_has_every_text_spanish_has_in_portuguese_and_english(app, programme):
    assert load_course_content(app.config["CONTENT_DIR"]).warnings == []
    questions = db.session.scalars(sa.select(Question).where(Question.active)).all()
    assert len(questions) >= 40
    for question in questions:
        where = f"{question.quiz.module.code} {question.key}"
        for language in LANGUAGES:
            assert question.prompt_translations.get(language), (where, language)
            assert question.explanation_translations.get(language), (where, language)
            for option in question.options:
                if option.text:  # true/false options are the catalogue's
                    assert option.text_translations.get(language), (where, option.key, language)
        assert question.correct_keys  # written once, so the same in every language


def _structure(markdown: str) -> list[str]:
    """Heading levels, list and table lines: what a translation keeps from its original."""
    shape = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            shape.append(stripped.split(" ", 1)[0])
        elif stripped.startswith("|"):
            shape.append("|" * stripped.count("|"))
        elif stripped[:2] in ("- ", "> ") or stripped[:3].rstrip(".").isdigit():
            shape.append(stripped[:1] if not stripped[0].isdigit() else "1.")
    return shape


def test_every_module_text_is_translated_with_the_same_structure(programme):
    for module in programme.modules:
        spanish = module.content_markdown
        for language in LANGUAGES:
            translated = module.content_translations.get(language, "")
            assert _structure(translated) == _structure(spanish), (module.code, language)
            ratio = len(translated.split()) / len(spanish.split())
            assert 0.75 <= ratio <= 1.25, (module.code, language, ratio)
        assert {"es", "pt", "en"} <= set(module.title) and {"es", "pt", "en"} <= set(module.summary)
