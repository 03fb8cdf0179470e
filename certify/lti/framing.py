"""Moodle frames certify: the registered, active platforms' sites may embed its pages.

Core's security headers ask this provider which sites may frame certify, and drop what they
remember whenever a platform is added, changed or removed in this process.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from certify.core.security_headers import frame_ancestors, register_frame_ancestors
from certify.extensions import db
from certify.lti.models import LtiPlatform


def active_platform_urls() -> list[str]:
    """The issuer and login URLs of every active platform: the sites launches come from."""
    rows = db.session.execute(sa.select(LtiPlatform.issuer, LtiPlatform.auth_login_url)
                              .where(LtiPlatform.active.is_(True)))
    return [url for row in rows for url in row]


def _platform_flushed(_mapper, _connection, platform: LtiPlatform) -> None:
    frame_ancestors.invalidate()
    if (session := Session.object_session(platform)) is not None:
        session.info["lti_platforms_changed"] = True


def _transaction_ended(session: Session) -> None:
    # Origins read between the flush and the end of its transaction must not be kept.
    if session.info.pop("lti_platforms_changed", False):
        frame_ancestors.invalidate()


for _change in ("after_insert", "after_update", "after_delete"):
    event.listen(LtiPlatform, _change, _platform_flushed)
event.listen(Session, "after_commit", _transaction_ended)
event.listen(Session, "after_soft_rollback", lambda session, _previous: _transaction_ended(session))

register_frame_ancestors("lti", active_platform_urls)
