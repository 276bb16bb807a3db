"""Notifications to orderers and caretakers: in-portal, SMS (shared adapter) and e-mail (own adapter)."""
