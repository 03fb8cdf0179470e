"""The base of every HTML form, and showing a service's complaint on the form that caused it."""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash
from flask_wtf import FlaskForm
from wtforms.widgets import HiddenInput

from certify.core.errors import DomainError


class Form(FlaskForm):
    """Flask-WTF with a CSRF token; hidden fields render without an id.

    A page often holds several forms, each with its own ``csrf_token`` (and other
    hidden fields of the same name): with WTForms' default ids the page would repeat
    ids. No label points at a hidden input, so it needs none.
    """

    class Meta:
        def render_field(self, field, render_kw):
            if isinstance(field.widget, HiddenInput):
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)


def attach_field_errors(form: FlaskForm, errors: Mapping[str, list[str]]) -> bool:
    """Add each message to the form field it names; True if any field took one."""
    attached = False
    for name, messages in errors.items():
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors) + list(messages)
            attached = True
    return attached


def attach_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's complaint next to the fields it names, or above the form if none."""
    if not attach_field_errors(form, error.errors):
        form.form_errors.append(error.message)


def attach_or_flash(form: FlaskForm, error: DomainError) -> None:
    """Messages about fields go next to them; any other complaint is flashed above the page
    (for pages whose form sits among other content)."""
    if not attach_field_errors(form, error.errors):
        flash(error.message, "error")
