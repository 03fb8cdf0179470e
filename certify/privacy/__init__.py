"""Data-subject requests: a person's data exported, or erased while their certificates stay
in the public register (docs/data-protection.md)."""
