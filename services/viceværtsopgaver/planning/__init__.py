"""Planning: recurring and preventive templates, learned durations, fill-ins and day plans with routing."""
