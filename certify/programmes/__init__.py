"""Programmes, their modules and certification rules; course_content loading."""
