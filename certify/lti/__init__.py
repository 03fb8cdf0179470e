"""Moodle (and any LTI 1.3 Advantage platform) integration, built on pylti1p3.

- ``platforms`` and ``registration``: platforms registered by hand or by LTI Dynamic
  Registration; ``tool_conf`` serves them to pylti1p3 from the database.
- ``keys``: the tool's RSA keys in the instance folder, published at ``/lti/jwks``.
- ``launch``: OIDC login and launch validation (state and nonce kept in the database);
  ``services``: who launched (people, roles, courses, activities) and where they land.
- ``deep_linking``: the activity picker instructors use from Moodle's activity chooser.
- ``grades`` (AGS) and ``roster`` (NRPS), over ``connector`` (service HTTP, cached tokens).
"""
