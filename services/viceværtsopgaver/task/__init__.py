"""Tasks: ordering, access rules, statuses, photos and history."""
