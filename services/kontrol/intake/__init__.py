"""kontrol: intake."""
