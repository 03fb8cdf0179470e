"""pylti1p3's tool configuration, read from the database instead of a JSON file.

Every platform is looked up by issuer and client id (an issuer may register certify more
than once, e.g. two Moodle sites behind one URL, or a re-registration); only active
platforms are found. Registrations carry the tool's current key and the platform's cached
key set.
"""

from __future__ import annotations

import sqlalchemy as sa
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract

from certify.extensions import db
from certify.lti.keys import public_key_set, signing_key
from certify.lti.models import LtiDeployment, LtiPlatform


class PlatformRegistration(Registration):
    """A pylti1p3 registration that knows which platform row it was built from."""

    def __init__(self, platform: LtiPlatform):
        super().__init__()
        self.platform_id = platform.id
        key = signing_key()
        self._kid = key.kid
        (self.set_issuer(platform.issuer)
             .set_client_id(platform.client_id)
             .set_auth_login_url(platform.auth_login_url)
             .set_auth_token_url(platform.auth_token_url)
             .set_key_set_url(platform.key_set_url)
             .set_key_set(platform.key_set)
             .set_tool_private_key(key.private_pem)
             .set_tool_public_key(key.public_pem))
        if platform.auth_audience:
            self.set_auth_audience(platform.auth_audience)

    def get_kid(self) -> str:
        # pylti1p3 recomputes the thumbprint from the PEM on every call; it is the same value.
        return self._kid

    def get_jwks(self) -> list[dict]:
        return public_key_set()["keys"]


class DatabaseToolConf(ToolConfAbstract):
    """Platforms and deployments from ``lti_platform``; one instance per request."""

    def __init__(self) -> None:
        super().__init__()
        self._found: dict[tuple[str, str | None], LtiPlatform | None] = {}

    # Every issuer may have several client ids: the "new" pylti1p3 lookups (by params).
    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_platform(self, iss: str, client_id: str | None = None) -> LtiPlatform | None:
        """The active platform with this issuer and client id (or the only one of the issuer)."""
        key = (iss, client_id)
        if key not in self._found:
            query = sa.select(LtiPlatform).where(LtiPlatform.issuer == iss, LtiPlatform.active)
            if client_id is not None:
                query = query.where(LtiPlatform.client_id == client_id)
            platforms = db.session.scalars(query.limit(2)).all()
            self._found[key] = platforms[0] if len(platforms) == 1 else None
        return self._found[key]

    def find_registration_by_issuer(self, iss: str, *args, **kwargs) -> Registration | None:
        platform = self.find_platform(iss)
        return PlatformRegistration(platform) if platform else None

    def find_registration_by_params(self, iss: str, client_id: str | None, *args,
                                    **kwargs) -> Registration | None:
        platform = self.find_platform(iss, client_id)
        return PlatformRegistration(platform) if platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str | None,
                                  *args, **kwargs) -> Deployment | None:
        platform = self.find_platform(iss, client_id)
        if platform is None:
            return None
        found = db.session.scalar(sa.select(LtiDeployment.id).where(
            LtiDeployment.platform_id == platform.id,
            LtiDeployment.deployment_id == deployment_id))
        return Deployment().set_deployment_id(deployment_id) if found else None

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs) -> dict:
        # The same keys sign for every platform.
        return public_key_set()
