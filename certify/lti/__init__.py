"""Moodle (and any LTI 1.3 Advantage platform) integration, built on pylti1p3.

- ``platforms`` and ``registration``: platforms registered by hand or by LTI Dynamic
  Registration; ``tool_conf`` serves them to pylti1p3 from the database.
- ``keys``: the tool's RSA keys in the instance folder, published at ``/lti/jwks``;
  ``platform_keys``: the platforms' key sets, cached.
- ``launch``: OIDC login and launch validation, state and nonce kept in the database;
  ``launch_data``: pylti1p3's launch data storage, in the database.
- ``services``: a launch accepted, with ``people`` (users and roles) and ``targets`` (what an
  activity opens, where people land).
- ``deep_linking``: the activity picker instructors use from Moodle's activity chooser.
- ``grades`` (AGS) and ``roster`` (NRPS), over ``connector`` (service HTTP, cached tokens),
  run by the jobs in ``jobs``; ``subscribers`` hear the learning path's signals.
"""
