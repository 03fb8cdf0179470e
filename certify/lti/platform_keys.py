"""The platforms' public keys: their key sets, cached on the platform row, fetched again once
when a launch is signed with a key the cache does not know (the platform rotated its keys)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta

import jwt
import requests
from flask_babel import gettext as _

from certify.lti.errors import LaunchRefused
from certify.lti.models import LtiPlatform
from certify.lti.settings import setting

SIGNING_ALGORITHM = "RS256"

# Parsed public keys by their JWK, so a launch does not rebuild the key object every time.
_public_keys: dict[str, object] = {}
_keys_lock = threading.Lock()


def _public_key(jwk: Mapping):
    cache_key = json.dumps(jwk, sort_keys=True)
    key = _public_keys.get(cache_key)
    if key is None:
        key = jwt.PyJWK.from_dict(dict(jwk), algorithm=SIGNING_ALGORITHM).key
        with _keys_lock:
            if len(_public_keys) > 256:  # platforms rotate; never grow without bound
                _public_keys.clear()
            _public_keys[cache_key] = key
    return key


def _find_jwk(key_set: Mapping | None, kid: str) -> Mapping | None:
    keys = key_set.get("keys") if isinstance(key_set, Mapping) else None
    for jwk in keys if isinstance(keys, list) else []:
        if isinstance(jwk, Mapping) and jwk.get("kid") == kid \
                and jwk.get("alg", SIGNING_ALGORITHM) == SIGNING_ALGORITHM:
            return jwk
    return None


def fetch_key_set(platform: LtiPlatform, session: requests.Session, now: datetime) -> dict:
    """Fetch the platform's key set and keep it on the platform."""
    try:
        response = session.get(platform.key_set_url)
        response.raise_for_status()
        key_set = response.json()
    except (requests.RequestException, ValueError) as error:
        raise LaunchRefused(_("The platform's key set at %(url)s could not be read: %(error)s",
                              url=platform.key_set_url, error=str(error)[:200]),
                            check="key_set") from error
    if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
        raise LaunchRefused(_("The platform's key set at %(url)s is not a JSON key set.",
                              url=platform.key_set_url), check="key_set")
    platform.key_set, platform.key_set_fetched_at = key_set, now
    return key_set


def platform_key(platform: LtiPlatform, kid: str, *, session: requests.Session,
                 now: datetime):
    """The platform's public key ``kid``: from the cached key set, else after fetching it again
    (once: a platform that rotated its keys is caught up with); None if it has no such key."""
    max_age = timedelta(hours=int(setting("KEY_SET_HOURS")))
    fresh = platform.key_set_fetched_at is not None and platform.key_set_fetched_at > now - max_age
    jwk = _find_jwk(platform.key_set, kid) if fresh else None
    if jwk is None:
        jwk = _find_jwk(fetch_key_set(platform, session, now), kid)
    return _public_key(jwk) if jwk is not None else None
