"""The viceværtsopgaver service."""
