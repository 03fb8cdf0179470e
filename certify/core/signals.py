"""Signals through which a lower area tells higher ones what happened.

Higher areas subscribe (``signal.connect(handler)``); the sender never imports
them. Each signal is sent with the model as sender and keyword details, inside
the transaction that made the change: subscribers add work to it (or queue a
job), they never commit.
"""

from blinker import Namespace

_signals = Namespace()

enrolment_created = _signals.signal("enrolment-created")
content_loaded = _signals.signal("content-loaded")
# sender: the scored QuizAttempt
attempt_scored = _signals.signal("attempt-scored")
# sender: the released PrototypeGrade; members: the people it applies to
grade_released = _signals.signal("grade-released")
# sender: the CheckIn recorded at an in-person session
checked_in = _signals.signal("checked-in")
# sender: the SurveyResponse saved (new or edited)
survey_answered = _signals.signal("survey-answered")
# sender: the Cohort just created, or whose details (dates) changed
cohort_saved = _signals.signal("cohort-saved")
# sender: the InPersonSession just scheduled
session_scheduled = _signals.signal("session-scheduled")
# sender: the Cohort; person_ids: whom to ask about. Receivers (the certificates area) return
# the ids among them holding a live certificate of the cohort's programme: lower areas ask
# "certified?" without importing certificates.
certified_lookup = _signals.signal("certified-lookup")
