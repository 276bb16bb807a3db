"""The kontrol service."""
