"""A confirmation step before an action that is hard to undo, without JavaScript dialogs.

The action's form posts as usual; the view answers with a page that says what
will happen, to how many people and whether it can be undone, holding the same
values in a form whose button posts them again with ``confirmed=yes``. Only that
second post acts. It works without JavaScript, in every browser, and a test can
follow it like a person does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import render_template, request

CONFIRMED_FIELD = "confirmed"


def is_confirmed() -> bool:
    """True when the request comes from the confirmation page's button."""
    return request.form.get(CONFIRMED_FIELD) == "yes"


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page says and posts.

    ``consequences`` are the things that will happen, one sentence each;
    ``undo`` says how it can be undone or that it cannot (``reversible``).
    ``values`` are the first form's values (e.g. a reason), posted again as they were.
    """

    title: str
    consequences: list[str]
    people: int
    reversible: bool
    undo: str
    action: str
    confirm_label: str
    cancel_url: str
    values: Mapping[str, str] = field(default_factory=dict)
    quoted: str | None = None  # text the person wrote, shown as it will be published
    danger: bool = False


def confirmation_page(confirmation: Confirmation, status: int = 200):
    """The page asking to confirm (200: nothing was done yet)."""
    return render_template("confirm.html", confirmation=confirmation), status
