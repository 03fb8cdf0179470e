"""Certificates: issuance, signing, revocation, public verification and Open Badges 3.0."""
