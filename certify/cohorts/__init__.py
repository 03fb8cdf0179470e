"""Cohorts of a programme, their tutors and enrolments."""
