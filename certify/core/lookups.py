"""Finding a record by its id, or saying plainly that there is none."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from certify.core.errors import NotFound
from certify.extensions import db

Row = TypeVar("Row")


def get_or_not_found(model: type[Row], ident, message: str, *,
                     visible: Callable[[Row], bool] | None = None) -> Row:
    """The ``model`` row whose primary key is ``ident``; ``NotFound(message)`` if there is none,
    or if ``visible(row)`` says it is not the caller's to see (the same answer, on purpose:
    nobody learns that someone else's record exists)."""
    row = db.session.get(model, ident) if ident is not None else None
    if row is None or (visible is not None and not visible(row)):
        raise NotFound(message)
    return row
