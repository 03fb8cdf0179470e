"""The background job that rebuilds a programme's read model (``reports.facts``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from certify.core.jobs import Job, job
from certify.extensions import db
from certify.programmes.services import get_programme
from certify.reports.facts import refresh_programme

REFRESH = "refresh_report_figures"


@job(REFRESH, title=_l("Gathering the dashboard's figures"))
def refresh_report_figures(record: Job, programme_id: int) -> dict:
    """Rebuild every person's facts and every survey tally of the programme, in one commit."""
    seconds = refresh_programme(get_programme(programme_id)).seconds
    db.session.commit()
    record.advance(1, total=1)
    return {"seconds": seconds}
