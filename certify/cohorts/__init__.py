"""Cohorts of a programme: tutors, enrolments, the schedule and the project groups."""
