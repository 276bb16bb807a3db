"""Adapters for the registers the lookup reads: CPR, NemSMS, benefit payments, koerekort status.

Only simulators exist for the national registers here (they are out of reach); a real adapter
implements the same Protocol in `contracts.py` and is chosen in these factories.
"""

from __future__ import annotations

from services.sms_ydelse.registers.contracts import BenefitPayments, CprRegister, KoerekortStatus, NemSmsRegistry


def cpr_register() -> CprRegister:
    """The configured CPR register adapter."""
    from services.sms_ydelse.registers.simulator import SimulatedCprRegister

    return SimulatedCprRegister()


def nemsms_registry() -> NemSmsRegistry:
    """The configured NemSMS registry adapter."""
    from services.sms_ydelse.registers.simulator import SimulatedNemSmsRegistry

    return SimulatedNemSmsRegistry()


def benefit_payments() -> BenefitPayments:
    """The configured benefit payment system adapter."""
    from services.sms_ydelse.registers.simulator import SimulatedBenefitPayments

    return SimulatedBenefitPayments()


def koerekort_status() -> KoerekortStatus:
    """The koerekort service's status lookups over HTTP."""
    from services.sms_ydelse.registers.koerekort import KoerekortHttpStatus

    return KoerekortHttpStatus()
