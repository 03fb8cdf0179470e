"""What the certificates area loads from course_content/: the certificate design."""

from certify.certificates import design  # noqa: F401 - registers the design content part
