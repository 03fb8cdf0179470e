"""Group prototypes: submissions and their versions, attached files, the rubric and grading."""
