"""Every string a person reads is translated to Spanish and Portuguese, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

# No query whose result depends on the database: SQLite only.
pytestmark = pytest.mark.one_database

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted_messages() -> set[str]:
    method_map = [("certify/**.py", "python"), ("templates/**.html", "jinja2"),
                  ("templates/**.txt", "jinja2")]
    messages = {}
    for *_location, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        singular = message[0] if isinstance(message, tuple) else message
        messages[singular] = message
    return messages


@pytest.mark.parametrize("locale", ["es", "pt_BR"])
def test_every_message_is_translated(locale):
    with open(ROOT / "certify" / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    missing, broken = [], []
    for msgid, extracted in sorted(extracted_messages().items()):
        message = catalog.get(msgid)
        strings = message.string if message else None
        translations = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(translations):
            missing.append(msgid)
            continue
        forms = extracted if isinstance(extracted, tuple) else (extracted,)
        allowed = set().union(*(PLACEHOLDER.findall(form) for form in forms))
        # Every placeholder but the plural count must survive; nothing may be invented.
        required = set(PLACEHOLDER.findall(forms[0])) - {"num"}
        if any(not required <= set(PLACEHOLDER.findall(text)) <= allowed for text in translations):
            broken.append(msgid)
    assert missing == [], f"{len(missing)} untranslated in {locale}: {missing[:10]}"
    assert broken == [], f"placeholders differ in {locale}: {broken[:10]}"
