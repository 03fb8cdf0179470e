"""Every string a person reads is translated to Spanish and Portuguese, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted_messages() -> set[str]:
    method_map = [("certify/**.py", "python"), ("templates/**.html", "jinja2")]
    messages = set()
    for *_location, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        messages.add(message[0] if isinstance(message, tuple) else message)
    return messages


@pytest.mark.parametrize("locale", ["es", "pt_BR"])
def test_every_message_is_translated(locale):
    with open(ROOT / "certify" / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    missing, broken = [], []
    for msgid in sorted(extracted_messages()):
        message = catalog.get(msgid)
        strings = message.string if message else None
        translations = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(translations):
            missing.append(msgid)
            continue
        expected = set(PLACEHOLDER.findall(msgid))
        if any(set(PLACEHOLDER.findall(text)) != expected for text in translations
               if "%(num)d" not in msgid):
            broken.append(msgid)
    assert missing == [], f"{len(missing)} untranslated in {locale}: {missing[:10]}"
    assert broken == [], f"placeholders differ in {locale}: {broken[:10]}"
