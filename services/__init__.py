"""The four services; each is its own FastAPI app, started on its own."""
