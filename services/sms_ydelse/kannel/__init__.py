"""Kannel configuration template and a harness that runs bearerbox, smsbox and fakesmsc on loopback."""
