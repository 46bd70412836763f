"""Prompt templates, one module per operation. Rendering only: no I/O, no model calls."""
