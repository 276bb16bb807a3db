"""Dispatch: automatic assignment to the best caretaker, the team leader's board, manual (re)assignment and splits."""
