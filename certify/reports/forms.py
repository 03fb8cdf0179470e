"""HTML forms of the reports area (Flask-WTF: every POST form carries a CSRF token)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, DecimalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from certify.core.forms import Form
from certify.reports.allocations import MAX_WEIGHT, Basis
from certify.reports.baseline import SOURCE_MAX_LENGTH
from certify.reports.models import AllocationLevel
from certify.reports.targets import MAX_CERTIFIED


class ActionForm(Form):
    """A button or a table of inputs read by the view: only the CSRF token is checked here."""


class TargetForm(Form):
    certified = IntegerField(_l("Agents to certify"), validators=[
        InputRequired(), NumberRange(1, MAX_CERTIFIED)])
    starts_on = DateField(_l("Counting from"), validators=[InputRequired()])
    due_on = DateField(_l("Due by"), validators=[InputRequired()])

    def validate_due_on(self, field) -> None:
        # Checked here too, so that every wrong field is shown at once.
        if self.starts_on.data and field.data and field.data <= self.starts_on.data:
            raise ValidationError(_l("The due date must come after the start date."))


class MilestoneForm(Form):
    # Ids of their own: the targets page also holds the target form and its `certified`.
    year = IntegerField(_l("Year"), id="milestone-year",
                        validators=[InputRequired(), NumberRange(2000, 2100)])
    certified = IntegerField(_l("Certified since the start, by the end of the year"),
                             id="milestone-certified",
                             validators=[InputRequired(), NumberRange(0, MAX_CERTIFIED)])


def level_choices():
    return [(AllocationLevel.REGION.value, _l("Regions")),
            (AllocationLevel.MUNICIPALITY.value, _l("Municipalities"))]


def basis_choices():
    return [(Basis.EQUAL.value, _l("The same for every municipality")),
            (Basis.POPULATION.value, _l("In proportion to population"))]


def _weight(label) -> DecimalField:
    return DecimalField(label, places=2, validators=[
        Optional(), NumberRange(Decimal("0.01"), MAX_WEIGHT)])


class DistributeForm(Form):
    level = SelectField(_l("Share the target among"), choices=level_choices)
    basis = SelectField(_l("Each municipality counts"), choices=basis_choices)
    rural_weight = _weight(_l("Weight of rural municipalities"))
    urban_weight = _weight(_l("Weight of urban municipalities"))


class ImportForm(Form):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(), FileAllowed(["csv", "txt"], _l("Upload a .csv file."))])


class BaselineSourceForm(Form):
    """The source of a dimension's shares; the shares themselves are the page's inputs."""

    source = TextAreaField(_l("Where these figures come from"), validators=[
        DataRequired(), Length(max=SOURCE_MAX_LENGTH)])
