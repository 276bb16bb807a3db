"""The sms_ydelse service."""
