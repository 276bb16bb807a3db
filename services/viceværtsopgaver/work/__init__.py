"""Caretaker work: status reports (also offline, late and idempotent) and time registration."""
