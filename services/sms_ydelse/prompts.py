"""What the telephone system says to the caller: Danish text for text-to-speech, a prompt id, and TwiML.

The answer to a valid CPR number is the same whatever the lookup will find (a citizen who does
not exist, receives nothing or has no NemSMS number hears exactly what everyone else hears),
so the phone line cannot be used to learn who receives benefits.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

MAX_CPR_ATTEMPTS = 3
LANGUAGE = "da-DK"
HANGUP, COLLECT_DIGITS, TRANSFER = "hangup", "collect_digits", "transfer"
AGENT_QUEUE = "ydelsesservice"


@dataclass(frozen=True)
class Prompt:
    prompt_id: str
    say: str
    next_action: str


ACCEPTED = Prompt(
    "sms_ydelse.accepted.v1",
    "Tak. Hvis du er tilmeldt NemSMS, sender vi en sms til dit registrerede nummer. Farvel.",
    HANGUP,
)
RETRY_CPR = Prompt(
    "sms_ydelse.cpr_invalid_retry.v1",
    "Det indtastede CPR-nummer er ikke gyldigt. Indtast venligst dit CPR-nummer med 10 cifre.",
    COLLECT_DIGITS,
)
CPR_ATTEMPTS_EXHAUSTED = Prompt(
    "sms_ydelse.cpr_invalid_transfer.v1",
    "Vi kunne ikke genkende CPR-nummeret. Du bliver nu stillet videre til en medarbejder.",
    TRANSFER,
)
RATE_LIMITED = Prompt(
    "sms_ydelse.rate_limited.v1",
    "Du har allerede bedt om flere beskeder i dag. Prøv igen senere, eller bliv i røret for at tale med en medarbejder.",
    TRANSFER,
)

BY_ID = {p.prompt_id: p for p in (ACCEPTED, RETRY_CPR, CPR_ATTEMPTS_EXHAUSTED, RATE_LIMITED)}


def twiml(prompt: Prompt) -> str:
    """The answer as TwiML-style XML."""
    say = f"<Say language={quoteattr(LANGUAGE)}>{escape(prompt.say)}</Say>"
    if prompt.next_action == COLLECT_DIGITS:
        body = f'<Gather input="dtmf" numDigits="10" timeout="15" finishOnKey="#">{say}</Gather>'
    elif prompt.next_action == TRANSFER:
        body = f"{say}<Enqueue>{AGENT_QUEUE}</Enqueue>"
    else:
        body = f"{say}<Hangup/>"
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'
