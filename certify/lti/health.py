"""How each platform is doing, for the Moodle administrator: whether launches arrive, when
grades were last sent and which failed (with the platform's answer), and a check that
fetches the platform's keys and calls its token endpoint, saying in plain words what is
wrong."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import requests
import sqlalchemy as sa
from flask_babel import gettext as _
from pylti1p3.exception import LtiServiceException

from certify.core.clock import utcnow
from certify.extensions import db
from certify.lti.connector import PlatformConnector, platform_answer, platform_session
from certify.lti.errors import LaunchRefused
from certify.lti.models import GradeSync, LtiContext, LtiLineItem, LtiPlatform, LtiUser, SyncStatus
from certify.lti.platform_keys import fetch_key_set

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


@dataclass(frozen=True)
class PlatformHealth:
    last_launch_at: datetime | None = None
    last_grade_sent_at: datetime | None = None
    failed_grades: int = 0
    last_failure: str = ""


def platforms_health(platforms: Iterable[LtiPlatform]) -> dict[int, PlatformHealth]:
    """``{platform id: PlatformHealth}``, in three queries whatever the number of platforms
    (the failed rows are few: each is a problem a manager must see)."""
    platforms = list(platforms)
    by_issuer = {platform.issuer: platform.id for platform in platforms}
    launches = dict(db.session.execute(
        sa.select(LtiUser.issuer, sa.func.max(LtiUser.last_launch_at))
        .where(LtiUser.issuer.in_(by_issuer)).group_by(LtiUser.issuer)).all())
    sent = dict(db.session.execute(
        sa.select(LtiContext.platform_id, sa.func.max(GradeSync.sent_at))
        .join(GradeSync.line_item).join(LtiLineItem.context)
        .where(GradeSync.status == SyncStatus.SENT).group_by(LtiContext.platform_id)).all())
    failures: dict[int, list[GradeSync]] = {}
    for platform_id, sync in db.session.execute(
            sa.select(LtiContext.platform_id, GradeSync)
            .join(GradeSync.line_item).join(LtiLineItem.context)
            .where(GradeSync.status == SyncStatus.FAILED)
            .order_by(GradeSync.updated_at.desc())).all():
        failures.setdefault(platform_id, []).append(sync)
    return {platform.id: PlatformHealth(
        last_launch_at=launches.get(platform.issuer),
        last_grade_sent_at=sent.get(platform.id),
        failed_grades=len(failures.get(platform.id, [])),
        last_failure=failures[platform.id][0].last_error if platform.id in failures else "")
        for platform in platforms}


@dataclass(frozen=True)
class Finding:
    ok: bool
    message: str


def check_platform(platform: LtiPlatform, *, session: requests.Session | None = None,
                   now: datetime | None = None) -> list[Finding]:
    """Fetch the platform's key set and ask its token endpoint for a token, as launches and
    grades will; what went right and what went wrong, in words an administrator can act on.
    The key set fetched is kept, as a launch would keep it."""
    session = session or platform_session()
    now = now or utcnow()
    findings = []
    try:
        key_set = fetch_key_set(platform, session, now)
        count = len(key_set.get("keys") or [])
        findings.append(Finding(count > 0, _(
            "The key set at %(url)s has %(count)s key(s).", url=platform.key_set_url,
            count=count) if count else _("The key set at %(url)s has no key: launches will "
                                        "be refused.", url=platform.key_set_url)))
    except LaunchRefused as error:
        findings.append(Finding(False, error.message))
    try:
        PlatformConnector(platform, session).get_access_token([SCORE_SCOPE])
        findings.append(Finding(True, _("The token endpoint %(url)s gave certify an access "
                                        "token: grades can be sent.",
                                        url=platform.auth_token_url)))
    except LtiServiceException as error:
        findings.append(Finding(False, _(
            "The token endpoint %(url)s refused certify: %(answer)s. Check the client id and "
            "that the platform has certify's key set URL (or public key).",
            url=platform.auth_token_url, answer=platform_answer(error.response, limit=300))))
    except requests.RequestException as error:
        findings.append(Finding(False, _("The token endpoint %(url)s could not be reached: "
                                         "%(error)s", url=platform.auth_token_url,
                                         error=str(error)[:300])))
    return findings
