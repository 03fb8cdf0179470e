"""Use cases of the attendance area, one module each; import them from here.

- ``sessions``: scheduling sessions of an in-person module, who sees and runs them
- ``seats``: the session lock, seat counting and the waitlist
- ``registration``: officials register and cancel
- ``tickets``: signed QR tickets and the e-mails that carry them
- ``checkin``: check-in by ticket or by name, walk-ins, closing a session
- ``figures``: ``session_figures`` and ``attendance_by_person`` for dashboards and eligibility
"""

from certify.attendance.services.checkin import (
    LATE_AFTER,
    MANUAL_STATUSES,
    CheckInResult,
    WalkInCandidate,
    add_walk_in,
    check_in_person,
    check_in_with_ticket,
    close_session,
    create_walk_in,
    record_check_in,
    set_attendance,
    status_label,
    walk_in_candidates,
)
from certify.attendance.services.figures import (
    SessionFigures,
    attendance_by_person,
    session_figures,
)
from certify.attendance.services.registration import (
    can_cancel,
    cancel_registration,
    find_registration,
    get_registration,
    register,
    registrations_of,
    registrations_query,
)
from certify.attendance.services.seats import (
    lock_session,
    promote_waitlisted,
    seats_taken,
    waitlist_position,
    waitlist_positions,
)
from certify.attendance.services.sessions import (
    can_run_session,
    can_view_session,
    create_session,
    get_session,
    get_session_to_run,
    get_visible_session,
    in_person_modules,
    is_actively_enrolled,
    sessions_of_cohort,
    sessions_query,
    update_session,
    venue_time_zone,
)
from certify.attendance.services.tickets import (
    TicketRejected,
    queue_ticket_email,
    read_ticket,
    ticket_svg,
    ticket_token,
)

__all__ = [
    "LATE_AFTER", "MANUAL_STATUSES", "CheckInResult", "SessionFigures", "TicketRejected",
    "WalkInCandidate", "add_walk_in", "attendance_by_person", "can_run_session",
    "can_cancel", "can_view_session", "cancel_registration", "check_in_person", "check_in_with_ticket",
    "close_session", "create_session", "create_walk_in", "find_registration", "get_registration",
    "get_session", "get_session_to_run", "get_visible_session", "in_person_modules",
    "is_actively_enrolled", "lock_session", "promote_waitlisted", "queue_ticket_email",
    "read_ticket", "record_check_in", "register", "registrations_of", "registrations_query",
    "seats_taken", "session_figures", "sessions_of_cohort", "sessions_query", "set_attendance",
    "status_label", "ticket_svg", "ticket_token", "update_session", "venue_time_zone",
    "waitlist_position", "waitlist_positions", "walk_in_candidates",
]
