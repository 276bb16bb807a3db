"""kontrol: ml."""
