"""A simulator of the NemSMS gateway contract (docs/sms_ydelse/adapters.md), in memory.

Control endpoints under `/_sim` let a test make it fail (`unavailable` answers 503, `slow` sleeps
past the client's timeout but still takes the message) and deliver status callbacks.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse


def create_app(api_key: str = "sim-key") -> FastAPI:
    app = FastAPI(title="NemSMS simulator")
    lock = threading.Lock()
    state: dict[str, Any] = {"messages": {}, "by_key": {}, "mode": None, "slow_seconds": 0.0}

    @app.post("/v1/messages")
    async def send(request: Request, x_api_key: str = Header(""), idempotency_key: str = Header("")) -> JSONResponse:
        if x_api_key != api_key:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if state["mode"] == "unavailable":
            return JSONResponse({"error": "unavailable"}, status_code=503)
        body = await request.json()
        if not idempotency_key or not body.get("text") or not body.get("recipient", {}).get("msisdn"):
            return JSONResponse({"error": "bad request"}, status_code=400)
        with lock:
            existing = state["by_key"].get(idempotency_key)
            if existing is None:
                nemsms_id = str(uuid.uuid4())
                state["by_key"][idempotency_key] = nemsms_id
                state["messages"][nemsms_id] = {
                    "nemsms_id": nemsms_id,
                    "msisdn": body["recipient"]["msisdn"],
                    "text": body["text"],
                    "callback": body.get("status_callback_url"),
                    "status": "accepted",
                }
        if state["mode"] == "slow":
            time.sleep(state["slow_seconds"])
        if existing is not None:
            return JSONResponse({"nemsms_id": existing, "status": "accepted"}, status_code=200)
        return JSONResponse({"nemsms_id": nemsms_id, "status": "accepted"}, status_code=202)

    @app.post("/_sim/mode")
    async def set_mode(request: Request) -> dict[str, Any]:
        body = await request.json()
        state["mode"], state["slow_seconds"] = body.get("mode"), float(body.get("slow_seconds", 0))
        return {"mode": state["mode"]}

    @app.get("/_sim/messages")
    def messages() -> list[dict[str, Any]]:
        return list(state["messages"].values())

    @app.post("/_sim/deliveries")
    def deliver_all() -> dict[str, int]:
        """Send a 'delivered' callback for every accepted message (as the handset confirms)."""
        sent = 0
        for message in list(state["messages"].values()):
            if message["status"] != "accepted" or not message["callback"]:
                continue
            httpx.post(message["callback"], json={"nemsms_id": message["nemsms_id"], "status": "delivered"}, timeout=5)
            message["status"] = "delivered"
            sent += 1
        return {"callbacks": sent}

    return app
