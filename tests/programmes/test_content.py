"""Loading course_content/: the real programme, idempotent re-loads, precise errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from certify.assessments.models import Question, QuestionOption, Quiz, ResultPage
from certify.extensions import db
from certify.programmes.content import load_course_content
from certify.programmes.content_files import ContentError
from certify.programmes.models import Module, ModuleKind, Programme

# No query whose result depends on the database: SQLite only.
pytestmark = pytest.mark.one_database


@pytest.fixture
def content_copy(app, tmp_path) -> Path:
    target = tmp_path / "course_content"
    shutil.copytree(app.config["CONTENT_DIR"], target)
    return target


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Programme, Module, Quiz, Question, QuestionOption)}


def test_the_real_programme_has_four_virtual_modules_and_one_in_person(programme):
    kinds = [module.kind for module in programme.modules]
    assert kinds == [ModuleKind.VIRTUAL] * 4 + [ModuleKind.IN_PERSON]
    assert programme.title["es"] == "Innovación como Herramienta de Buen Gobierno"
    assert {"es", "pt", "en"} <= set(programme.title)
    assert programme.modules[4].venue.startswith("Santiago")
    for module in programme.modules:
        assert len(module.content_markdown.split()) >= 800, module.code
        assert module.learning_outcomes and module.hours > 0
        assert {"es", "pt", "en"} <= set(module.title)


def test_every_virtual_module_has_a_quiz_of_at_least_eight_questions(programme):
    quizzes = db.session.scalars(sa.select(Quiz)).all()
    assert sorted(quiz.module.code for quiz in quizzes) == ["M1", "M2", "M3", "M4"]
    for quiz in quizzes:
        assert len(quiz.active_questions) >= 8
        for question in quiz.active_questions:
            assert question.explanation
            assert question.correct_keys, question.key


def test_loading_twice_changes_nothing(app, programme):
    before = counts()
    report = load_course_content(app.config["CONTENT_DIR"])
    assert counts() == before
    assert set(report.counts["module"]) == {"unchanged"}
    assert set(report.counts["question"]) == {"unchanged"}


def test_a_change_in_a_file_updates_in_place(content_copy, app):
    load_course_content(content_copy)
    quiz_file = content_copy / "quizzes" / "m1.yaml"
    quiz_file.write_text(quiz_file.read_text().replace("pass_mark: 70", "pass_mark: 80"))
    report = load_course_content(content_copy)
    assert report.counts["quiz"]["updated"] == 1
    quiz = db.session.scalar(sa.select(Quiz).join(Quiz.module).where(Module.code == "M1"))
    assert quiz.pass_mark == 80
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quiz)) == 4


def test_a_question_removed_from_the_file_is_retired_not_deleted(content_copy):
    load_course_content(content_copy)
    quiz_file = content_copy / "quizzes" / "m2.yaml"
    text = quiz_file.read_text()
    start = text.index("  - key: q15")
    quiz_file.write_text(text[:start])
    report = load_course_content(content_copy)
    assert report.counts["question"]["retired"] == 1
    question = db.session.scalar(sa.select(Question).where(Question.key == "q15").join(Question.quiz)
                                 .join(Quiz.module).where(Module.code == "M2"))
    assert question is not None and question.active is False


def test_a_quiz_file_sets_its_question_bank_and_result_page(content_copy):
    quiz_file = content_copy / "quizzes" / "m1.yaml"
    quiz_file.write_text(quiz_file.read_text().replace(
        "questions_per_attempt: 7", "questions_per_attempt: 5\nresult_page: score"))
    load_course_content(content_copy)
    quiz = db.session.scalar(sa.select(Quiz).join(Quiz.module).where(Module.code == "M1"))
    assert (quiz.questions_per_attempt, quiz.result_page) == (5, ResultPage.SCORE)
    assert quiz.questions_asked == 5
    other = db.session.scalar(sa.select(Quiz).join(Quiz.module).where(Module.code == "M3"))
    assert other.result_page is ResultPage.ANSWERS_WHEN_FINAL  # the default


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("quizzes/m1.yaml", "pass_mark: 70", "pass_mark: 170",
     "quizzes/m1.yaml:6: 'pass_mark' must be a whole number from 1 to 100, not 170"),
    ("quizzes/m3.yaml", "kind: multiple", "kind: several",
     "'kind' must be one of single, multiple, true_false, not 'several'"),
    ("programme.yaml", "code: IHBG", "code: IHBG\ncolour: blue", "unknown key 'colour'"),
    ("modules/02-diseno-centrado-en-las-personas.md", "kind: virtual", "kind: hybrid",
     "modules/02-diseno-centrado-en-las-personas.md:3: 'kind' must be one of virtual, in_person"),
    ("quizzes/m4.yaml", "module: M4", "module: M4\nmodule: M3", "duplicate key 'module'"),
    ("quizzes/m2.yaml", "questions_per_attempt: 7", "questions_per_attempt: 999",
     "'questions_per_attempt' is 999 but the quiz has only"),
    ("quizzes/m2.yaml", "pass_mark: 70", "pass_mark: 70\nresult_page: everything",
     "'result_page' must be one of score, mistakes, answers_when_final, not 'everything'"),
    ("programme.yaml", "  - modules/05-encuentro-presencial-santiago.md",
     "  - modules/06-missing.md", "file 'modules/06-missing.md' does not exist"),
])
def test_bad_content_is_rejected_with_path_line_and_reason_changing_nothing(
        content_copy, file, old, new, expected):
    path = content_copy / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    before = counts()
    with pytest.raises(ContentError) as raised:
        load_course_content(content_copy)
    assert expected in raised.value.message
    assert counts() == before


def test_a_single_choice_question_with_two_right_answers_is_rejected(content_copy):
    path = content_copy / "quizzes" / "m1.yaml"
    ostrom = '{key: a, text: {es: "Elinor Ostrom", pt: "Elinor Ostrom", en: "Elinor Ostrom"}}'
    text = path.read_text()
    assert ostrom in text
    path.write_text(text.replace(ostrom, ostrom[:-1] + ", correct: true}"))
    with pytest.raises(ContentError) as raised:
        load_course_content(content_copy)
    assert "needs exactly one correct option, not 2" in raised.value.message


def test_the_cli_reports_problems_with_exit_code_2(app, content_copy):
    path = content_copy / "programme.yaml"
    path.write_text(path.read_text().replace("prototype_pass_mark: 60", "prototype_pass_mark: high"))
    result = app.test_cli_runner().invoke(args=["content", "check", "--dir", str(content_copy)])
    assert result.exit_code == 2
    assert "programme.yaml:" in result.output and "prototype_pass_mark" in result.output
