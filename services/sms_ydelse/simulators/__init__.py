"""Local stand-ins for systems out of reach: the NemSMS gateway contract and koerekort's status lookups."""
