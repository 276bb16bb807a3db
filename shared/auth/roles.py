"""The roles a token can carry and the audience of each service."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    sagsbehandler = "sagsbehandler"
    borger = "borger"
    laege = "laege"
    borgerservice = "borgerservice"
    koerelaerer = "koerelaerer"
    bestiller = "bestiller"
    vicevaert = "vicevaert"
    teamleder = "teamleder"
    servicedesk = "servicedesk"
    ivr = "ivr"
    admin = "admin"
    system = "system"  # service-to-service calls (client credentials in production)


AUDIENCES = {
    "kontrol": "kk:kontrol",
    "koerekort": "kk:koerekort",
    "viceværtsopgaver": "kk:vicevaert",
    "sms_ydelse": "kk:sms_ydelse",
}
