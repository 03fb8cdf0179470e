"""What makes a password acceptable: long enough, and not one that attackers try first.

"Common" is zxcvbn's list of the 30,000 passwords seen most often in leaks, plus its
estimate of how guessable a password is from dictionary words, names, dates, keyboard
patterns and the person's own e-mail and names.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from flask_babel import gettext as _
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from certify.core.errors import ValidationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
# zxcvbn's scores run 0-4; 3 is "safely unguessable" against an online attacker and
# strong against one holding the hashes.
MIN_GUESSABILITY_SCORE = 3
# zxcvbn's work grows with the length; past this the first characters decide.
_SCORED_PREFIX = 100


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, *, personal: Iterable[str] = ()) -> None:
    """Raise ``ValidationError`` (field ``password``) unless ``password`` is acceptable.

    ``personal``: the person's e-mail and names, which make a password easy to guess.
    """
    problem = None
    if len(password) < MIN_PASSWORD_LENGTH:
        problem = _("The password must have at least %(num)s characters.", num=MIN_PASSWORD_LENGTH)
    elif len(password) > MAX_PASSWORD_LENGTH:
        problem = _("The password can have at most %(num)s characters.", num=MAX_PASSWORD_LENGTH)
    elif password.lower() in _common_passwords() or zxcvbn(
            password[:_SCORED_PREFIX], user_inputs=[value for value in personal if value]
    )["score"] < MIN_GUESSABILITY_SCORE:
        problem = _("This password is among the most common ones or easy to guess. "
                    "Use a longer phrase of unrelated words.")
    if problem:
        raise ValidationError(problem, errors={"password": [problem]})
