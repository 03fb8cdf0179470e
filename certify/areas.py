"""The areas of certify, lowest first, and how their optional modules are found.

Kept apart from ``certify/__init__.py`` (which builds the app and so imports the areas'
blueprints) so that core can walk the areas without importing them.
"""

from __future__ import annotations

import importlib
import importlib.util

# The domain areas, lowest first (see docs/architecture.md). Each may have ``views`` and
# ``api`` modules exposing a blueprint ``blp``, a ``cli`` module exposing ``commands``,
# and ``content`` or ``subscribers`` modules that plug into lower areas (course content
# parts, signal handlers) when imported.
AREAS = ("core", "accounts", "programmes", "cohorts", "assessments", "attendance", "surveys",
         "submissions", "progress", "certificates", "lti", "reports", "privacy", "home", "demo")


def area_module(area: str, name: str):
    """``certify.<area>.<name>`` if the area has such a module, else None."""
    qualified = f"certify.{area}.{name}"
    if importlib.util.find_spec(f"certify.{area}") is None or importlib.util.find_spec(qualified) is None:
        return None
    return importlib.import_module(qualified)
