"""What the certificates area answers to lower areas' questions (see core/signals.py)."""

from __future__ import annotations

from certify.certificates.register import live_programme_certificates
from certify.core.signals import certified_lookup


@certified_lookup.connect
def _certified_people(cohort, *, person_ids) -> set[int]:
    return set(live_programme_certificates(cohort.programme_id, person_ids))
