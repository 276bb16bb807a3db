"""What every service app does when it starts."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient


def test_starting_an_app_freezes_the_objects_made_at_start_up() -> None:
    from services.sms_ydelse.app import create_app

    gc.unfreeze()
    with TestClient(create_app()) as client:  # the context runs the lifespan
        assert gc.get_freeze_count() > 0  # start-up objects are out of the collector's way
        assert client.get("/health").status_code == 200
    gc.unfreeze()
