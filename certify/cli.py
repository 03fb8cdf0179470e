"""The ``certify`` command: Flask's CLI bound to this app (run, db, content, demo, ...)."""

from __future__ import annotations

import gc

from flask.cli import FlaskGroup

from certify import create_app


def main() -> None:
    # Starting up builds a few hundred thousand objects (modules, models, the app) that live
    # as long as the process: the cyclic collector would walk them again and again while
    # they are made, then at every full collection and once more at exit (about a second
    # of a short command), freeing nothing. It is paused until the app is built, and what
    # exists by then is set aside from it for good (gc.freeze).
    gc.disable()
    cli = FlaskGroup(create_app=_create_app,
                     help="certify: certification of public innovation agents.")
    cli.main(prog_name="certify")


def _create_app():
    app = create_app()
    gc.freeze()
    gc.enable()
    return app


if __name__ == "__main__":
    main()
