"""Registry: buildings, rooms, components, documents, institutions, teams, caretakers, skills and task types."""
