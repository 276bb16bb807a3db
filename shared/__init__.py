"""Code the four services share: settings, database, auth, audit, CPR, queue, notifications, errors."""
