"""kontrol: reports."""
