"""One transaction per request, command or job step, owned here and nowhere else.

:func:`unit_of_work` is the mechanism: it commits what the block flushed, or
rolls all of it back on any error. It has three faces:

- HTML views and API endpoints: :func:`init_transactions` runs every view of the
  app inside it. A request that may write (any method but GET, HEAD and OPTIONS,
  or a view marked :func:`writes_on_read`) commits when its response is a success
  (below 400) and rolls back otherwise; a read-only request never commits.
  Inside a view, ``with attempt(form) as outcome:`` turns a service's
  :class:`~certify.core.errors.DomainError` into field errors or a flash, after
  rolling the request's work back; any other error reaches the error handlers.
- CLI commands: ``certify.core.cli.transactional_command``.
- Jobs: ``certify.core.jobs.run_job`` runs each job in it.

On SQLite a transaction that will write starts as a write transaction (``BEGIN
IMMEDIATE``, see ``certify.core.db_setup``): a deferred transaction that read
and then tries to write fails at once with "database is locked" when another
connection committed meanwhile, and busy_timeout cannot help it. Starting as a
writer makes concurrent writers queue (up to busy_timeout) instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, flash, request
from flask_wtf import FlaskForm

from certify import extensions  # a module reference: extensions imports core.rest, this
from certify.core.errors import DomainError
from certify.core.forms import attach_domain_error, attach_or_flash

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_will_write: ContextVar[bool] = ContextVar("certify_will_write", default=False)


def will_write() -> bool:
    """Whether the transactions begun now are meant to write (read by the SQLite begin hook)."""
    return _will_write.get()


def begin_as_reads() -> None:
    """From now on in this context, transactions begin as reads: for a forked process that
    only reads, whose parent was writing (it would queue for the lock its parent holds)."""
    _will_write.set(False)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block begin as write transactions."""
    token = _will_write.set(True)
    try:
        yield
    finally:
        _will_write.reset(token)


class UnitOfWork:
    """The open unit of work; :meth:`discard` makes it roll back instead of committing."""

    def __init__(self) -> None:
        self.discarded = False

    def discard(self) -> None:
        self.discarded = True


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Commit what the services flushed, or roll all of it back on any error (or if discarded)."""
    work = UnitOfWork()
    with writing():
        try:
            yield work
        except BaseException:
            extensions.db.session.rollback()
            raise
        if work.discarded:
            extensions.db.session.rollback()
        else:
            extensions.db.session.commit()


# --- the face for views ------------------------------------------------------------------------

@contextmanager
def after_the_request() -> Iterator[UnitOfWork]:
    """A unit of work of its own, after the request's (an after_request hook's bookkeeping).

    A request that may write has committed or rolled back by now; a read-only one has only
    read, and its transaction is ended here (committing it writes nothing).
    """
    if extensions.db.session().in_transaction():
        extensions.db.session.commit()
    with unit_of_work() as work:
        yield work


def writes_on_read(view: Callable) -> Callable:
    """Mark a GET view that writes on purpose, whatever its answer's status: the exceptions to
    "GET never writes" are LTI's login initiation and dynamic registration, which the LTI
    protocols send as GET requests."""
    view.writes_on_read = True
    return view


def _request_writes() -> bool:
    if request.method not in READ_ONLY_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "writes_on_read", False))


def transactional(view: Callable) -> Callable:
    """Run a view in a unit of work if its request may write: committed on a success
    response, rolled back on an error response or an exception."""

    @wraps(view)
    def run(*args, **kwargs):
        if not _request_writes():
            return view(*args, **kwargs)
        with unit_of_work() as work:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code >= 400 and not getattr(view, "writes_on_read", False):
                work.discard()
        return response

    return run


def init_transactions(app: Flask) -> None:
    """Put every view of ``app`` (registered by now) in a unit of work."""

    def declare_intent() -> None:
        # First of all hooks: whatever reads the database before the view (the signed-in
        # person, the API guard) already begins the transaction as a writer if it will write.
        _will_write.set(_request_writes())

    def forget_intent(_error=None) -> None:
        _will_write.set(False)

    app.before_request_funcs.setdefault(None, []).insert(0, declare_intent)
    app.teardown_request(forget_intent)
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = transactional(view)


@dataclass
class Attempt:
    """How a ``with attempt(...)`` block ended."""

    error: Exception | None = None  # a DomainError, or what ``catch`` named

    @property
    def succeeded(self) -> bool:
        return self.error is None


@contextmanager
def attempt(form: FlaskForm | None = None, *, flash_other: bool = False,
            on_error: Callable[[DomainError], None] | None = None,
            catch: type[Exception] | tuple[type[Exception], ...] = DomainError
            ) -> Iterator[Attempt]:
    """Run a view's service calls; on a domain error (of type ``catch``) roll the request's
    work back and show the complaint: ``on_error(error)`` if given, else next to the form's
    fields it names (other messages above the form, or flashed with ``flash_other``), else
    flashed.

    The view then goes on to render its page (with status 422) or redirect.
    """
    outcome = Attempt()
    try:
        yield outcome
    except catch as error:
        extensions.db.session.rollback()
        outcome.error = error
        if on_error is not None:
            on_error(error)
        elif form is None:
            flash(error.message, "error")
        elif flash_other:
            attach_or_flash(form, error)
        else:
            attach_domain_error(form, error)
