"""HTML forms of the quizzes (Flask-WTF: every form carries a CSRF token).

The questions of an attempt are not WTForms fields: they differ per attempt, so
the page names its inputs ``q<question id>`` and :func:`answers_from_form`
reads them back; the services check them against the attempt's paper.
"""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.datastructures import MultiDict
from wtforms import HiddenField
from wtforms.validators import DataRequired

from certify.assessments.papers import PaperQuestion
from certify.core.forms import Form


class SubmitAttemptForm(Form):
    # The attempt's own token: a page sent again (back button, double click) is
    # recognised as this attempt's, whatever the URL it is posted to.
    token = HiddenField(validators=[DataRequired()])


def input_name(question_id: int) -> str:
    return f"q{question_id}"


def answers_from_form(formdata: MultiDict, paper: Iterable[PaperQuestion]) -> dict[str, list[str]]:
    """``{question id: [chosen option keys]}`` from the inputs of the attempt page."""
    return {str(item.question.id): formdata.getlist(input_name(item.question.id))
            for item in paper}
