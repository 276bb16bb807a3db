"""kontrol: sources."""
