"""The forklaringsark: every datum behind the assessment with source and date, the model version and each
feature's contribution (exact for the additive model), frozen at opening; rendered as JSON, HTML and PDF."""

from __future__ import annotations

from typing import Any

import numpy as np
from jinja2 import Environment, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kontrol.cases import pdf
from services.kontrol.catalogue import CHANNEL_LABELS, CRITERIA
from services.kontrol.facts import FACT_NAMES, SOURCES, format_kr
from services.kontrol.ml.explain import explain_rows
from services.kontrol.ml.registry import load_model, promoted
from services.kontrol.models import Candidate, CandidateSignal, CandidateSource, candidate_facts
from shared.db import utcnow

METHOD = (
    "Modellen er en additiv gradient boosting-model (HistGradientBoostingClassifier uden samspil mellem "
    "oplysningerne) med kalibrerede sandsynligheder. Bidraget for en oplysning er ændringen i modellens "
    "log-odds, når netop den oplysning sættes til referenceværdien (medianen i træningsdata). Fordi modellen "
    "er additiv, summerer bidragene præcist til vurderingen: log-odds = reference + sum af bidrag."
)
NOTICE = (
    "Vurderingen er alene et prioriteringsværktøj. Den afgør intet. Afgørelsen træffes af sagsbehandleren "
    "efter partshøring, og borgeren kan altid kontakte sin sagsbehandler."
)


def build(session: Session, *, candidate: Candidate, person: dict[str, str], case_reference: str) -> dict[str, Any]:
    """Assemble the forklaringsark for a candidate being opened (the snapshot journaled with the case)."""
    sources = list(session.scalars(select(CandidateSource).where(CandidateSource.candidate_id == candidate.id)))
    signals = list(
        session.scalars(
            select(CandidateSignal)
            .where(CandidateSignal.candidate_id == candidate.id)
            .order_by(CandidateSignal.created_at)
        )
    )
    data = [record for s in sources for record in (s.records or {}).get("records", [])]
    data.sort(key=lambda r: (list(SOURCES).index(r["source"]), FACT_NAMES.index(r["fact"])))
    sheet: dict[str, Any] = {
        "case_reference": case_reference,
        "generated_at": utcnow().isoformat(),
        "person": person,
        "arm": candidate.arm,
        "signals": [
            {
                "channel": s.channel,
                "channel_label": CHANNEL_LABELS.get(s.channel, s.channel),
                "criterion": s.criterion_code,
                "criterion_label": CRITERIA[s.criterion_code].label if s.criterion_code in CRITERIA else None,
                "referring_unit": s.referring_unit,
                "received_on": (s.received_on or s.created_at.date()).isoformat(),
            }
            for s in signals
        ],
        "sources": [
            {"source": s.source, "label": SOURCES[s.source], "status": s.status, "fetched_at": s.fetched_at.isoformat()}
            for s in sorted(sources, key=lambda s: list(SOURCES).index(s.source))
        ],
        "data": data,
        "notice": NOTICE,
        "assessment": None,
        "model": None,
    }
    version = promoted(session)
    if version is not None:
        sheet["model"] = {
            "version": version.version,
            "algorithm": version.algorithm,
            "trained_at": version.trained_at.isoformat(),
            "artifact_sha256": version.artifact_sha256,
            "training_snapshot": version.training_snapshot,
        }
    if version is not None and candidate.arm == "model":
        row = session.execute(
            select(*[candidate_facts.c[name] for name in FACT_NAMES]).where(
                candidate_facts.c.candidate_id == candidate.id
            )
        ).first()
        if row is not None:
            facts = np.array([[np.nan if v is None else float(v) for v in row]], dtype=float)
            explained = explain_rows(load_model(version), facts)[0]
            baseline_p = float(1 / (1 + np.exp(-explained["baseline_log_odds"])))
            sheet["assessment"] = {
                "probability": explained["probability"],
                "log_odds": explained["log_odds"],
                "baseline_log_odds": explained["baseline_log_odds"],
                "baseline_probability": baseline_p,
                "contributions": sorted(explained["contributions"], key=lambda c: -abs(c["contribution"])),
                "reasons": explained["reasons"],
                "method": METHOD,
            }
    elif candidate.arm == "control":
        sheet["control_group_note"] = (
            "Sagen er udvalgt efter den hidtidige metode (kontrolgruppe, først-til-mølle). "
            "Modellens vurdering er ikke brugt ved udvælgelsen og vises ikke."
        )
    return sheet


_TEMPLATE = """<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>Forklaringsark {{ s.case_reference }}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.4}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.25rem .5rem;text-align:left}
.pos{color:#8a1c1c}.neg{color:#1c5a8a}</style></head><body>
<h1>Forklaringsark – kontrolsag {{ s.case_reference }}</h1>
<p>Dannet {{ s.generated_at }}. {{ s.notice }}</p>
<h2>Borger</h2><p>{{ s.person.name }}, CPR-nr. {{ s.person.cpr_display }}<br>{{ s.person.address }}</p>
<h2>Hvorfor sagen er rejst</h2><ul>
{% for g in s.signals %}<li>{{ g.channel_label }}{% if g.criterion_label %}: {{ g.criterion_label }}{% endif %}
{% if g.referring_unit %} ({{ g.referring_unit }}){% endif %}, modtaget {{ g.received_on }}</li>{% endfor %}</ul>
<h2>Oplysninger bag vurderingen</h2>
<table><tr><th>Oplysning</th><th>Værdi</th><th>Kilde</th><th>Dato</th></tr>
{% for d in s.data %}<tr><td>{{ d.label }}</td><td>{{ d.display }}</td><td>{{ d.source_label }}</td><td>{{ d.as_of }}</td></tr>
{% endfor %}</table>
<h2>Datakilder</h2><ul>{% for src in s.sources %}<li>{{ src.label }}: {{ 'svarede' if src.status == 'ok' else 'ingen oplysninger' }}
(hentet {{ src.fetched_at }})</li>{% endfor %}</ul>
{% if s.model %}<h2>Model</h2><p>Version {{ s.model.version }} ({{ s.model.algorithm }}), trænet {{ s.model.trained_at }}
på {{ s.model.training_snapshot.training_cases }} afsluttede sager; kontrolsum {{ s.model.artifact_sha256[:16] }}.</p>{% endif %}
{% if s.assessment %}<h2>Vurdering</h2>
<p>Sandsynlighed for samfundsbesparelse: {{ '%.0f' % (s.assessment.probability * 100) }} %
(referencesag: {{ '%.0f' % (s.assessment.baseline_probability * 100) }} %).</p>
<p>{{ s.assessment.method }}</p>
<table><tr><th>Oplysning i modellen</th><th>Værdi</th><th>Bidrag (log-odds)</th></tr>
<tr><td>Referencesag</td><td></td><td>{{ '%.3f' % s.assessment.baseline_log_odds }}</td></tr>
{% for c in s.assessment.contributions %}<tr><td>{{ c.label }}</td><td>{{ c.value_text }}</td>
<td class="{{ 'pos' if c.contribution > 0 else 'neg' }}">{{ '%+.3f' % c.contribution }}</td></tr>{% endfor %}
<tr><th>I alt</th><th></th><th>{{ '%.3f' % s.assessment.log_odds }}</th></tr></table>{% endif %}
{% if s.control_group_note %}<p>{{ s.control_group_note }}</p>{% endif %}
</body></html>"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def _display(sheet: dict[str, Any]) -> dict[str, Any]:
    person = dict(sheet.get("person") or {})
    cpr = person.get("cpr", "")
    person["cpr_display"] = f"{cpr[:6]}-{cpr[6:]}" if len(cpr) == 10 else cpr
    return {**sheet, "person": person}


def render_html(sheet: dict[str, Any]) -> str:
    """The forklaringsark as an HTML document (Danish)."""
    return _env.from_string(_TEMPLATE).render(s=_display(sheet))


def render_pdf(sheet: dict[str, Any]) -> bytes:
    """The forklaringsark as a PDF document (Danish)."""
    s = _display(sheet)
    blocks: list[tuple[str, str]] = [
        ("h1", f"Forklaringsark - kontrolsag {s['case_reference']}"),
        ("small", f"Dannet {s['generated_at']}. {s['notice']}"),
        ("h2", "Borger"),
        ("p", f"{s['person'].get('name', '')}, CPR-nr. {s['person']['cpr_display']}, {s['person'].get('address', '')}"),
        ("h2", "Hvorfor sagen er rejst"),
    ]
    for g in s["signals"]:
        criterion = f": {g['criterion_label']}" if g["criterion_label"] else ""
        blocks.append(("p", f"- {g['channel_label']}{criterion}, modtaget {g['received_on']}"))
    blocks.append(("h2", "Oplysninger bag vurderingen"))
    for d in s["data"]:
        blocks.append(("p", f"{d['label']}: {d['display']} ({d['source_label']}, {d['as_of']})"))
    if s["model"]:
        m = s["model"]
        blocks += [("h2", "Model"), ("p", f"Version {m['version']} ({m['algorithm']}), trænet {m['trained_at']}.")]
    if s["assessment"]:
        a = s["assessment"]
        blocks += [
            ("h2", "Vurdering"),
            ("p", f"Sandsynlighed for samfundsbesparelse: {a['probability'] * 100:.0f} %."),
            ("small", a["method"]),
            ("p", f"Referencesag (log-odds): {a['baseline_log_odds']:.3f}"),
        ]
        for c in a["contributions"]:
            blocks.append(("p", f"{c['label']} ({c['value_text']}): {c['contribution']:+.3f}"))
        blocks.append(("p", f"I alt (log-odds): {a['log_odds']:.3f}"))
    if s.get("control_group_note"):
        blocks.append(("p", s["control_group_note"]))
    return pdf.render(blocks, title=f"Forklaringsark {s['case_reference']}")


def saving_text(amount_ore: int | None) -> str:
    return "" if amount_ore is None else format_kr(amount_ore)
