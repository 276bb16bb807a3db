"""One pooled HTTP client per process for calls to other systems (Kannel, NemSMS, the other services).

`httpx.post(...)` builds a new client for every call: a fresh TLS context (the CA bundle parsed
again) and a new TCP connection each time, which cost the SMS worker milliseconds of CPU per
message. A shared client keeps connections alive. It is made again after a fork (Celery's prefork
children must not share the parent's sockets); httpx clients are safe to share between threads.
"""

from __future__ import annotations

import os
import threading

import httpx

_lock = threading.Lock()
_client: httpx.Client | None = None
_owner_pid = 0


def http_client() -> httpx.Client:
    """This process's shared client (callers pass their own per-request timeout)."""
    global _client, _owner_pid
    client = _client
    if client is not None and _owner_pid == os.getpid():
        return client
    with _lock:
        if _client is None or _owner_pid != os.getpid():
            _client = httpx.Client(timeout=10.0, limits=httpx.Limits(max_connections=50, max_keepalive_connections=20))
            _owner_pid = os.getpid()
        return _client
