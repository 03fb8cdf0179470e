"""Quizzes of the virtual modules: questions, attempts and scoring."""
