"""Cross-cutting pieces every area may use: errors, HTTP helpers, clock, signals."""
