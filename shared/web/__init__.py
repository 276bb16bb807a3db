"""Web pages for every service: one Danish layout, shared static files, login, start and admin pages.

Pages are thin HTML shells served by the service; their data comes from the service's own
JSON API, called from the browser with the user's bearer token (see docs/web.md).
"""

from shared.web.pages import ROLE_LABELS, Page, mount_web

__all__ = ["ROLE_LABELS", "Page", "mount_web"]
