"""Opt-in caretaker positions: accepted on duty only, kept briefly, never shown outside working hours."""
