"""Satisfaction surveys: templates from course_content/surveys, answers, and their aggregates."""
