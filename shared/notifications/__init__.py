"""Notification adapters (Digital Post, SMS) with local simulators."""

from shared.notifications.digital_post import get_digital_post
from shared.notifications.sms import get_sms_sender

__all__ = ["get_digital_post", "get_sms_sender"]
