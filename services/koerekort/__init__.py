"""The koerekort service."""
