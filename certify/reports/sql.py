"""SQL the figures share that SQLite and PostgreSQL spell differently."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_of(FunctionElement):  # noqa: N801 - used like an SQL function
    """``'YYYY-MM'`` of a UTC timestamp column: months are counted in UTC everywhere."""

    type = sa.String()
    inherit_cache = True
    name = "month_of"


@compiles(month_of)
def _month_of_sqlite(element, compiler, **kw):
    # SQLite stores the UTC timestamp as ISO text (see certify.db.UTCDateTime); its
    # paramstyle is qmark, so a percent sign needs no escaping.
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_of_postgresql(element, compiler, **kw):
    return f"to_char(timezone('UTC', {compiler.process(element.clauses, **kw)}), 'YYYY-MM')"


def count_if(condition) -> sa.ColumnElement[int]:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``: a count of rows meeting ``condition``."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)
