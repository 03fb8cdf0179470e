"""The ``certify`` command: Flask's CLI bound to this app (run, db, content, demo, ...)."""

from __future__ import annotations

from flask.cli import FlaskGroup

from certify import create_app


def main() -> None:
    cli = FlaskGroup(create_app=lambda: create_app(),
                     help="certify: certification of public innovation agents.")
    cli.main(prog_name="certify")


if __name__ == "__main__":
    main()
