"""The SMS gateway used by every service's notifications (SMS_GATEWAY selects the implementation)."""

from __future__ import annotations

from services.sms_ydelse.gateway.base import SmsGateway
from shared.settings import get_settings

_override: SmsGateway | None = None


def get_gateway() -> SmsGateway:
    """The configured gateway (or the one a test or benchmark installed with `use_gateway`)."""
    if _override is not None:
        return _override
    name = get_settings().sms_gateway
    if name == "kannel":
        from services.sms_ydelse.gateway.kannel import KannelGateway

        return KannelGateway()
    if name == "nemsms":
        from services.sms_ydelse.gateway.nemsms import NemSmsGateway

        return NemSmsGateway()
    from services.sms_ydelse.gateway.simulator import SimulatorGateway

    return SimulatorGateway()


def use_gateway(gateway: SmsGateway | None) -> None:
    """Install a gateway instance for this process (None restores the configured one)."""
    global _override
    _override = gateway
