"""The GSM 03.38 7-bit alphabet: what fits in one SMS, with visible replacement of anything outside it.

A single SMS carries 160 septets. Characters of the basic table take one septet, those of
the extension table (€, [, ], {, }, ~, ^, \\, |) take two. Anything else is replaced by a
look-alike from the alphabet (or `?`), and the caller is told how many were replaced; a text
that is still too long is refused, never cut.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_SEPTETS = 160

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = "\f^{}\\[~]|€"
_BASIC_SET = frozenset(BASIC)
_EXTENSION_SET = frozenset(EXTENSION)

# Look-alikes for common characters outside the alphabet (typography, other Latin letters).
_REPLACEMENTS = {
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "´": "'",
    "`": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "…": "...",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\t": " ",
    "•": "-",
    "·": ".",
    "×": "x",
    "÷": "/",
    "½": "1/2",
    "¼": "1/4",
    "²": "2",
    "³": "3",
    "°": "o",
    "á": "a",
    "â": "a",
    "ã": "a",
    "Á": "A",
    "À": "A",
    "Â": "A",
    "Ã": "A",
    "ç": "Ç",
    "ê": "e",
    "ë": "e",
    "È": "E",
    "Ê": "E",
    "Ë": "E",
    "í": "i",
    "î": "i",
    "ï": "i",
    "Í": "I",
    "Ì": "I",
    "Î": "I",
    "Ï": "I",
    "ó": "o",
    "ô": "o",
    "õ": "o",
    "Ó": "O",
    "Ò": "O",
    "Ô": "O",
    "Õ": "O",
    "ú": "u",
    "û": "u",
    "Ú": "U",
    "Ù": "U",
    "Û": "U",
    "ý": "y",
    "ÿ": "y",
    "Ý": "Y",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "Th",
    "ł": "l",
    "Ł": "L",
    "ś": "s",
    "š": "s",
    "Š": "S",
    "ž": "z",
    "Ž": "Z",
    "č": "c",
    "Č": "C",
    "ć": "c",
    "ń": "n",
    "ř": "r",
    "ğ": "g",
    "ı": "i",
    "ş": "s",
    "Ş": "S",
}


@dataclass(frozen=True)
class Gsm7Text:
    """A text converted to the GSM-7 alphabet, with its length in septets and what was replaced."""

    text: str
    septets: int
    replaced: tuple[str, ...]

    @property
    def fits_one_sms(self) -> bool:
        return self.septets <= MAX_SEPTETS


class TextTooLong(ValueError):
    """The text needs more than one SMS (160 septets) and must not be cut."""

    def __init__(self, septets: int) -> None:
        super().__init__(f"SMS-teksten fylder {septets} tegn; en sms kan højst indeholde {MAX_SEPTETS} tegn.")
        self.septets = septets


def septet_length(text: str) -> int:
    """Septets the text needs (extension characters count two); the text must already be GSM-7."""
    return sum(2 if ch in _EXTENSION_SET else 1 for ch in text)


def _replacement(ch: str) -> str:
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if base and all(c in _BASIC_SET for c in base):
        return base
    return "?"


def to_gsm7(text: str) -> Gsm7Text:
    """Convert to the GSM-7 alphabet; every character outside it is replaced (and listed), never dropped."""
    out: list[str] = []
    replaced: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _BASIC_SET or ch in _EXTENSION_SET:
            out.append(ch)
        else:
            out.append(_replacement(ch))
            replaced.append(ch)
    converted = "".join(out)
    return Gsm7Text(converted, septet_length(converted), tuple(replaced))


def single_sms(text: str) -> Gsm7Text:
    """Convert and require that the result fits one SMS; raises TextTooLong otherwise."""
    converted = to_gsm7(text)
    if not converted.fits_one_sms:
        raise TextTooLong(converted.septets)
    return converted
