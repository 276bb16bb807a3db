"""kontrol: cases."""
