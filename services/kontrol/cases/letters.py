"""The underretning letter (Danish) sent by Digital Post when a case is opened."""

from __future__ import annotations

from services.kontrol.facts import SOURCES


def underretning(*, name: str, case_reference: str, caseworker: str, sources: list[str]) -> tuple[str, str]:
    """Title and body of the letter telling the citizen that Kontrolenheden examines their residence."""
    source_lines = "\n".join(f"- {SOURCES[s]}" for s in sources if s in SOURCES)
    title = "Kontrolenheden undersøger din bopælsregistrering"
    body = f"""Kære {name}

Københavns Kommune, Kontrolenheden i Kultur- og Fritidsforvaltningen, har oprettet en sag om din bopæl
(sagsnummer {case_reference}).

Hvad undersøger vi?
Vi undersøger, om du bor og opholder dig på den adresse, du er registreret på i CPR, jf. CPR-loven, og om
din registrering har betydning for de ydelser, du modtager.

Hvilke oplysninger bruger vi?
Vi bruger oplysninger, som kommunen og Udbetaling Danmark allerede har om dig, fra disse kilder:
{source_lines}
Vi indhenter ikke nye oplysninger om dig hos andre uden at fortælle dig det.

Der er ikke truffet nogen afgørelse
Sagen behandles af en sagsbehandler. Der træffes ingen automatiske afgørelser. Før vi træffer en afgørelse,
som går dig imod, får du besked om de oplysninger, vi lægger vægt på, og mulighed for at komme med dine
bemærkninger (partshøring).

Dine rettigheder
- Du har ret til aktindsigt i sagen, herunder forklaringsarket med de oplysninger, vurderingen bygger på.
- Du kan altid kontakte din sagsbehandler, {caseworker}, og du kan lade dig bistå af en anden person.
- Du har ret til indsigt i og berigtigelse af de personoplysninger, vi behandler om dig, og du kan klage
  til Datatilsynet over vores behandling af dine personoplysninger.

Venlig hilsen
Kontrolenheden, Kultur- og Fritidsforvaltningen, Københavns Kommune
"""
    return title, body
