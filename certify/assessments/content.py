"""Quizzes from course_content/quizzes/*.yaml, named by a module's ``quiz:`` key."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from certify.assessments.models import (
    CountingAttempt,
    Question,
    QuestionKind,
    QuestionOption,
    Quiz,
    ResultPage,
)
from certify.extensions import db
from certify.programmes.content import (
    LoadReport,
    ProgrammeSource,
    assign_changed,
    register_content_part,
)
from certify.programmes.content_files import Checker, LineDict, Problem, read_yaml
from certify.programmes.models import ModuleKind, Programme

MIN_QUESTIONS = 1


@dataclass
class ParsedQuiz:
    module_code: str
    values: dict
    questions: list[dict]


class QuizContent:
    programme_keys = frozenset()
    module_keys = frozenset({"quiz"})

    def parse(self, source: ProgrammeSource) -> tuple[list[ParsedQuiz], list[Problem]]:
        quizzes: list[ParsedQuiz] = []
        problems: list[Problem] = []
        for module in source.modules:
            if "quiz" not in module.front:
                continue
            if module.kind != ModuleKind.VIRTUAL:
                module.checker.problem(module.checker.line_of(module.front, "quiz"),
                                       "only virtual modules have a quiz")
                problems.extend(module.checker.problems[-1:])
                continue
            path = module.checker.relative_file(source.root, module.front, "quiz")
            if path is None:
                problems.extend(module.checker.problems[-1:])
                continue
            data, checker = read_yaml(path, source.root)
            if data is not None:
                data = checker.mapping(data, 1, "the quiz file")
            if data is not None:
                quiz = _parse_quiz(checker, data, module.code)
                if not checker.problems:
                    quizzes.append(quiz)
            problems.extend(checker.problems)
            source.warnings.extend(checker.warnings)
        return quizzes, problems

    def apply(self, parsed: list[ParsedQuiz], programme: Programme, report: LoadReport) -> None:
        modules = {module.code: module for module in programme.modules}
        for parsed_quiz in parsed:
            module = modules[parsed_quiz.module_code]
            quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id)) \
                if module.id else None
            if quiz is None:
                quiz = Quiz(module=module, **parsed_quiz.values)
                db.session.add(quiz)
                report.count("quiz", "created")
            else:
                report.count("quiz", "updated" if assign_changed(quiz, parsed_quiz.values) else "unchanged")
            _apply_questions(quiz, parsed_quiz.questions, report)


def _parse_quiz(checker: Checker, data: LineDict, module_code: str) -> ParsedQuiz:
    checker.keys(data, required={"module", "title", "questions"},
                 optional={"pass_mark", "max_attempts", "time_limit_minutes", "shuffle_questions",
                           "shuffle_options", "counting_attempt", "questions_per_attempt",
                           "result_page"})
    if data.get("module") != module_code:
        checker.problem(checker.line_of(data, "module"),
                        f"the quiz says module {data.get('module')!r} but module {module_code} links to it")
    values = {
        "title": checker.translated(data, "title"),
        "pass_mark": checker.number(data, "pass_mark", minimum=1, maximum=100, default=70),
        "max_attempts": checker.number(data, "max_attempts", minimum=1, maximum=100, required=False),
        "time_limit_minutes": checker.number(data, "time_limit_minutes", minimum=1, maximum=600,
                                             required=False),
        "shuffle_questions": checker.boolean(data, "shuffle_questions", False),
        "shuffle_options": checker.boolean(data, "shuffle_options", False),
        "counting_attempt": CountingAttempt(
            checker.choice(data, "counting_attempt", tuple(c.value for c in CountingAttempt), "best")
            or "best"),
        "questions_per_attempt": checker.number(data, "questions_per_attempt", minimum=1,
                                                maximum=1000, required=False),
        "result_page": ResultPage(
            checker.choice(data, "result_page", tuple(page.value for page in ResultPage),
                           ResultPage.ANSWERS_WHEN_FINAL.value)
            or ResultPage.ANSWERS_WHEN_FINAL),
        "source_path": checker.path,
    }
    questions = data.get("questions")
    parsed_questions: list[dict] = []
    if not isinstance(questions, list) or len(questions) < MIN_QUESTIONS:
        checker.problem(checker.line_of(data, "questions"), "'questions' must be a non-empty list")
        return ParsedQuiz(module_code, values, [])
    keys: dict[str, int] = {}
    for index, item in enumerate(questions):
        line = checker.line_of(questions, index)
        item = checker.mapping(item, line, f"question {index + 1}")
        if item is None:
            continue
        question = _parse_question(checker, item, index + 1)
        if question["key"] in keys:
            checker.problem(line, f"question key '{question['key']}' is also used on line "
                                  f"{keys[question['key']]}")
        keys[question["key"]] = line
        parsed_questions.append(question)
    drawn = values["questions_per_attempt"]
    if drawn is not None and drawn > len(parsed_questions):
        checker.problem(checker.line_of(data, "questions_per_attempt"),
                        f"'questions_per_attempt' is {drawn} but the quiz has only "
                        f"{len(parsed_questions)} questions")
    return ParsedQuiz(module_code, values, parsed_questions)


def _parse_question(checker: Checker, item: LineDict, number: int) -> dict:
    what = f"question {number}"
    kind = checker.choice(item, "kind", tuple(k.value for k in QuestionKind))
    optional = {"explanation"} | ({"answer"} if kind == QuestionKind.TRUE_FALSE else {"options"})
    checker.keys(item, required={"key", "kind", "prompt"} | optional - {"explanation"},
                 optional=optional, what=what)
    prompt = checker.translated(item, "prompt", what=what)
    explanation = checker.translated(item, "explanation", required=False, what=what)
    question = {
        "key": str(item.get("key", "")),
        "kind": QuestionKind(kind) if kind else None,
        **_spanish_and_others("prompt", prompt),
        **_spanish_and_others("explanation", explanation),
        "options": [],
    }
    if kind == QuestionKind.TRUE_FALSE:
        answer = item.get("answer")
        if not isinstance(answer, bool):
            checker.problem(checker.line_of(item, "answer"), f"{what}: 'answer' must be true or false")
        question["options"] = [
            {"key": "true", "text": "", "text_translations": {}, "correct": answer is True},
            {"key": "false", "text": "", "text_translations": {}, "correct": answer is False}]
    elif kind:
        question["options"] = _parse_options(checker, item, what, QuestionKind(kind))
    return question


def _parse_options(checker: Checker, item: LineDict, what: str, kind: QuestionKind) -> list[dict]:
    options = item.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= 8:
        checker.problem(checker.line_of(item, "options"), f"{what}: 'options' must list 2 to 8 options")
        return []
    parsed, keys = [], set()
    for index, option in enumerate(options):
        option = checker.mapping(option, checker.line_of(options, index), f"{what}, option {index + 1}")
        if option is None:
            continue
        checker.keys(option, required={"key", "text"}, optional={"correct"},
                     what=f"{what}, option {index + 1}")
        key = str(option.get("key", ""))
        if key in keys:
            checker.problem(option.line, f"{what}: option key '{key}' is used twice")
        keys.add(key)
        text = checker.translated(option, "text", what=f"{what}, option {key}")
        parsed.append({"key": key, **_spanish_and_others("text", text),
                       "correct": checker.boolean(option, "correct", False)})
    correct = sum(option["correct"] for option in parsed)
    if kind == QuestionKind.SINGLE and correct != 1:
        checker.problem(item.line, f"{what}: a single-choice question needs exactly one correct "
                                   f"option, not {correct}")
    if kind == QuestionKind.MULTIPLE and correct < 2:
        checker.problem(item.line, f"{what}: a multiple-choice question needs at least two correct options")
    return parsed


def _spanish_and_others(name: str, texts: dict[str, str]) -> dict:
    """``{"prompt": Spanish, "prompt_translations": {"pt": ..., "en": ...}}``: the models' shape."""
    others = {language: text for language, text in texts.items() if language != "es"}
    return {name: texts.get("es", ""), f"{name}_translations": others}


def _apply_questions(quiz: Quiz, questions: list[dict], report: LoadReport) -> None:
    existing = {question.key: question for question in quiz.questions}
    for position, values in enumerate(questions, start=1):
        options = values.pop("options")
        question = existing.pop(values["key"], None)
        if question is None:
            question = Question(position=position, **values)
            quiz.questions.append(question)
            report.count("question", "created")
        else:
            changed = assign_changed(question, {"position": position, "active": True, **values})
            changed |= _apply_options(question, options, creating=False)
            report.count("question", "updated" if changed else "unchanged")
            continue
        _apply_options(question, options, creating=True)
    for retired in existing.values():  # past attempts keep pointing at it
        if retired.active:
            retired.active = False
            report.count("question", "retired")


def _apply_options(question: Question, options: list[dict], *, creating: bool) -> bool:
    existing = {option.key: option for option in question.options}
    changed = False
    for position, values in enumerate(options, start=1):
        option = existing.pop(values["key"], None)
        if option is None:
            question.options.append(QuestionOption(position=position, **values))
            changed = True
        else:
            changed |= assign_changed(option, {"position": position, **values})
    for removed in existing.values():
        question.options.remove(removed)
        changed = True
    return changed and not creating



register_content_part(QuizContent())
