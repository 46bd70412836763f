"""Context: what the model sees, and the record of it."""
