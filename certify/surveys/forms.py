"""HTML forms of the surveys area (Flask-WTF: every form carries a CSRF token).

The answer form is built per template, one field per active item; the checks
that matter (1-5, required items, 2,000 characters) are the service's, so the
page and the API say the same thing.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, Field, TextAreaField
from wtforms.validators import DataRequired, Optional

from certify.core.forms import Form
from certify.core.i18n import localized
from certify.surveys.models import SCALE_MAX, SCALE_MIN, SurveyItem, SurveyResponse

FIELD_PREFIX = "item_"
SCORES = tuple(range(SCALE_MIN, SCALE_MAX + 1))
# What browsers send for <input type="datetime-local">; the first is how values are shown.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _score(value):
    """A radio value as a number; anything else is kept as sent, for the service to refuse."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class ScoreField(Field):
    """A 1-5 answer; the page draws its radio buttons itself (templates/surveys/answer.html)."""

    scores = SCORES

    def process_formdata(self, valuelist):
        self.data = _score(valuelist[0]) if valuelist else None


class AnswerForm(Form):
    """Answers to one survey; fields are added by :func:`answer_form`."""

    items: list[SurveyItem] = []

    def answers(self) -> dict[str, object]:
        """``{item key: score or text}`` as sent (empty answers as None)."""
        return {item.key: self[FIELD_PREFIX + item.key].data for item in self.items}

    def field_for(self, item: SurveyItem):
        return self[FIELD_PREFIX + item.key]

    def attach_errors(self, errors: dict[str, list[str]]) -> list[str]:
        """Put each item's messages on its field; return the ones about no field."""
        unplaced = []
        for key, messages in errors.items():
            name = FIELD_PREFIX + key
            if name in self._fields:
                self[name].errors = list(self[name].errors) + list(messages)
            else:
                unplaced.extend(messages)
        return unplaced


def answer_form(items: list[SurveyItem], response: SurveyResponse | None = None,
                **kwargs) -> AnswerForm:
    """The form for these items, filled with ``response``'s answers when there is one."""
    fields = {}
    for item in items:
        label = localized(item.prompt)
        if item.is_scale:
            fields[FIELD_PREFIX + item.key] = ScoreField(label)
        else:
            fields[FIELD_PREFIX + item.key] = TextAreaField(label, filters=[_blank_to_none])
    form_class = type("SurveyAnswerForm", (AnswerForm,), {**fields, "items": list(items)})
    data = {}
    if response is not None:
        data = {FIELD_PREFIX + key: value for key, value in response.answers_by_key().items()}
    return form_class(data=data, **kwargs)


def _blank_to_none(value):
    return value if value and value.strip() else None


class WindowForm(Form):
    """When a survey takes answers; times in the programme's time zone."""

    opens_at = DateTimeLocalField(_l("Opens at"), format=DATETIME_FORMATS,
                                  invalid_value_message=_l("Enter a date and time."),
                                  validators=[DataRequired(_l("Enter a date and time."))])
    closes_at = DateTimeLocalField(_l("Closes at"), format=DATETIME_FORMATS,
                                   invalid_value_message=_l("Enter a date and time, or leave it "
                                                            "empty to keep the survey open."),
                                   validators=[Optional()])
