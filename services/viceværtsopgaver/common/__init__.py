"""Small helpers shared by the viceværtsopgaver domains (geography, working hours, paging, idempotency)."""
