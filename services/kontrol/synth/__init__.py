"""kontrol: synth."""
