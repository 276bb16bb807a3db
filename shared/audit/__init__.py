"""Audit log of access to personal data (append-only, hash-chained)."""
