"""kontrol: priority."""
