"""Edits: turning model output into new file text, validating it, and re-asking on failure."""
