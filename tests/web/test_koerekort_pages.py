"""The koerekort pages in Debian's chromium against the running services on PostgreSQL.

Each user's main journey at desktop and phone size, with the axe check on every state shown and the
screenshots in docs/screenshots/: the citizen (spørgetræ, del A with live validation, doctor, payment,
signature, status timeline), the doctor's form client (del B and conclusion with live validation, draft,
attachment, sign and submit), Borgerservice (inbox with the plausibility filter, certificate view, request
for information answered by the doctor, approval), the driving instructor (status only) and the reports.
Data goes in through the service functions; events are delivered with run_tasks (the servers run no worker).
Messages shown next to fields are compared with what the API answers for the same input: one copy of the rules.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import services.koerekort.tasks  # noqa: F401  - registers the consumers run_tasks() delivers to
from services.koerekort.plausibility import synthetic
from services.koerekort.seed import demo_principal, seed_directory, signed_application, submit_certificate
from tests.web.helpers import Web, no_sideways_scrolling

pytestmark = pytest.mark.browser

SERVICE = "koerekort"
SIZES = ["desktop", "phone"]
HANSEN, BERG = "0A1B2", "7C8D9"
CPR = {"borger-mette": "1502851236", "borger-jonas": "2411044347", "borger-fatima": "0303781118"}
HEALTH = synthetic.CITIZEN_KEYS
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _directory(session: Session) -> None:
    seed_directory(session)
    session.commit()


def _doctor_parts(categories: list[str], **vision: float) -> dict[str, Any]:
    from services.koerekort.documents import today_in_copenhagen

    return synthetic.doctor_parts(categories, examined_on=today_in_copenhagen() - timedelta(days=2), **vision)


def _signed(
    session: Session,
    citizen: str,
    doctor: str,
    *,
    categories: list[str],
    acquisition_type: str = "first_licence",
    **yes: bool,
) -> tuple[Any, Any]:
    """An application whose citizen has filled in and signed del A with the given doctor."""
    from services.koerekort.access import certificate_of

    principal = demo_principal(citizen)
    application = signed_application(
        session,
        citizen=principal,
        acquisition_type=acquisition_type,
        categories=categories,
        del_a=synthetic.del_a(principal.name, categories, remarks="Jeg bruger briller.", **yes),
        authorisation_id=doctor,
        idempotency_key=f"web-{uuid.uuid4()}",
    )
    certificate = certificate_of(session, application)
    session.commit()
    return application, certificate


def _submit(session: Session, certificate: Any, doctor_sub: str, parts: dict[str, Any]) -> None:
    submit_certificate(
        session,
        doctor=demo_principal(doctor_sub),
        certificate=certificate,
        parts=parts,
        idempotency_key=f"web-{uuid.uuid4()}",
    )
    session.commit()


def _api_message(web: Web, user: str, path: str, body: Any, field: str) -> str:
    """What the API itself says about `field` for this input (errors of a validation answer or a problem)."""
    errors = web.api(user, SERVICE, path, "POST", json=body).json().get("errors", [])
    return next(e["message"] for e in errors if e["field"] == field)


def _error(page: Any, pointer: str) -> Any:
    """The error paragraph of the field with this JSON pointer (ids are the pointer with dashes)."""
    return page.locator("#f" + re.sub(r"[^A-Za-z0-9_]+", "-", pointer) + "-error")


# --------------------------------------------------------------------------------------------- citizen


@pytest.mark.parametrize("size", SIZES)
def test_citizen_starts_fills_del_a_chooses_doctor_pays_signs_and_follows_the_timeline(
    size: str, session: Session, run_tasks: Callable[[], int], web: Web
) -> None:
    from services.koerekort.models import Application, Payment, Signature

    _directory(session)
    bp = web.open_page(size)
    page = bp.page

    # Not logged in: the page sends the citizen to "Log ind" and back.
    web.login_on_the_way(bp, SERVICE, "/borger", "borger-jonas")
    page.locator("[data-kort-applications] .empty").wait_for()
    page.get_by_role("link", name="Start en ny ansøgning").click()

    # The spørgetræ: answered by the API one question at a time.
    page.wait_for_url("**/borger/ny-ansoegning")
    page.get_by_text("Hvad drejer din henvendelse sig om?").wait_for()
    web.check_axe(bp, "borger: spørgetræ")
    page.get_by_label("Jeg skal have mit første kørekort").check()
    page.get_by_role("button", name="Næste").click()
    page.get_by_label("Knallert, motorcykel, almindelig bil eller traktor (gruppe 1)").check()
    page.get_by_role("button", name="Næste").click()
    result = page.locator("[data-kort-result]")
    result.get_by_role("heading", name="Første kørekort (gruppe 1)").wait_for()
    assert page.locator("[data-kort-result-certificate]").inner_text() == "Du skal have en lægeerklæring."
    assert "Førstehjælpsbevis" in page.locator("[data-kort-result-documents]").inner_text()
    assert page.locator(".guide-path__item").count() == 2
    # No category chosen: the API's message stands next to the categories.
    page.get_by_role("button", name="Start ansøgningen").click()
    _error(page, "/categories").wait_for(state="visible")
    web.check_axe(bp, "borger: spørgetræ-resultat med fejl")
    page.get_by_label("B – almindelig bil").check()
    web.screenshot(bp, SERVICE, "borger-vejledning")
    page.get_by_role("button", name="Start ansøgningen").click()
    page.wait_for_url(re.compile(r".*/borger/ansoegninger/[0-9a-f-]{36}$"))
    application_id = page.url.rsplit("/", 1)[1]

    # Del A: live validation through the API while typing.
    page.locator("[data-kort-timeline] [data-step='started'][data-state='current']").wait_for()
    phone = page.locator("#f-del_a-identity-phone")
    phone.fill("abc")
    phone.press("Tab")
    phone_error = _error(page, "/del_a/identity/phone")
    phone_error.wait_for(state="visible")
    api_says = _api_message(
        web,
        "borger-jonas",
        "/api/v1/forms/2025.1/validations",
        {"scope": "del_a", "document": {"del_a": {"identity": {"phone": "abc"}}}, "context": {"categories": ["B"]}},
        "/del_a/identity/phone",
    )
    assert phone_error.text_content() == "Fejl: " + api_says
    assert phone.get_attribute("aria-invalid") == "true"
    phone.fill("")
    phone.press("Tab")
    phone_error.wait_for(state="hidden")

    for key in HEALTH:
        page.locator(f"#f-del_a-health-{key}-{1 if key == 'diabetes' else 2}").check()
    page.get_by_role("button", name="Gem del A").click()
    remarks_error = _error(page, "/del_a/remarks")
    remarks_error.wait_for(state="visible")
    assert "Beskriv det kort under bemærkninger" in remarks_error.inner_text()
    assert _error(page, "/del_a/declaration").is_visible()
    summary = page.locator('[data-kk-form="del-a"] [data-kk-error-summary]')
    assert summary.is_visible() and "Beskriv det kort" in summary.inner_text()
    web.check_axe(bp, "borger: del A med fejl")
    page.get_by_label("Bemærkninger til dine Ja-svar").fill("Type 1-diabetes siden 2010, behandles med insulin.")
    page.get_by_label("Jeg erklærer på tro og love").check()
    page.get_by_role("button", name="Gem del A").click()
    page.locator("[data-kort-del-a-state]").filter(has_text="Del A er udfyldt uden fejl.").wait_for()
    assert remarks_error.is_hidden()
    web.screenshot(bp, SERVICE, "borger-ansoegning")

    # The doctor: the own GP is proposed first and confirmed.
    own = page.locator("[data-kort-doctors] .choice").first
    assert "Karen Hansen" in own.inner_text() and "din egen læge" in own.inner_text()
    page.get_by_role("button", name="Bekræft valget af læge").click()
    page.locator("[data-kort-doctor-confirmed]").filter(has_text="Karen Hansen").wait_for()

    # Payment through the simulated provider.
    page.get_by_role("button", name="Betal 750,00 kr.").click()
    page.locator("[data-kort-paid]").filter(has_text="Betalt 750,00 kr.").wait_for()

    # The signature; without the tick the API's message stands next to the box.
    page.get_by_role("button", name="Underskriv og send til lægen").click()
    _error(page, "/confirm").wait_for(state="visible")
    page.get_by_label("Jeg underskriver min del af lægeerklæringen").check()
    page.get_by_role("button", name="Underskriv og send til lægen").click()
    page.locator("[data-kort-timeline] [data-step='with_doctor'][data-state='current']").wait_for()
    assert page.locator("[data-kort-status] [data-status='with_doctor']").inner_text() == "Hos lægen"
    assert page.locator("[data-kort-draft]").is_hidden()

    session.expire_all()
    application = session.get(Application, uuid.UUID(application_id))
    assert application is not None and application.status == "with_doctor"
    assert application.doctor_authorisation_id == HANSEN and application.doctor_confirmed_at is not None
    payment = session.scalars(select(Payment).where(Payment.application_id == application.id)).one()
    assert (payment.status, payment.amount_ore) == ("paid", 75_000)
    assert session.scalars(select(Signature).where(Signature.application_id == application.id)).one().part == "del_a"

    # The doctor submits and Borgerservice asks the doctor: the citizen's timeline follows, with nothing to do.
    from services.koerekort.access import certificate_of
    from services.koerekort.certificates import flows

    certificate = certificate_of(session, application)
    parts = _doctor_parts(["B"])
    parts["supplementary"] = {"text": "Type 1-diabetes, velreguleret, ingen hypoglykæmi."}
    parts["conclusion"]["assessment"] = "Velreguleret diabetes uden komplikationer."
    parts["del_b"]["diabetes"] = {
        "present": True,
        "hypoglycaemia_risk_medication": False,
        "severe_hypoglycaemia_12m": False,
        "unstable_or_complications": False,
    }
    _submit(session, certificate, "laege-hansen", parts)
    flows.request_information(
        session,
        principal=demo_principal("bs-karin"),
        certificate_id=certificate.id,
        message="Angiv venligst seneste HbA1c.",
        fields=["/supplementary/text"],
    )
    session.commit()
    run_tasks()
    page.reload()
    page.locator("[data-kort-timeline] [data-step='information_requested'][data-state='current']").wait_for()
    assert "Du skal ikke gøre noget" in page.locator("[data-kort-status]").inner_text()
    assert page.locator("[data-kort-timeline] [data-state='done']").count() >= 4
    page.locator("[data-kort-answers-details] summary").click()
    assert "Ja" in page.locator("[data-kort-answers] [data-pointer='/del_a/health/diabetes']").inner_text()
    no_sideways_scrolling(bp)
    web.check_axe(bp, "borger: status")
    web.screenshot(bp, SERVICE, "borger-status")
    assert not [u for u in bp.request_urls if CPR["borger-jonas"] in u or "241104" in u]


def test_citizen_answers_the_guidance_and_starts_with_the_keyboard_only(session: Session, web: Web) -> None:
    _directory(session)
    bp = web.logged_in("desktop", SERVICE, "borger-mette", "/borger/ny-ansoegning")
    page = bp.page
    page.get_by_text("Hvad drejer din henvendelse sig om?").wait_for()

    def tab_to(predicate: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => {{ const a = document.activeElement; return {predicate}; }}"):
                return
        raise AssertionError(f"Tab never reached: {predicate}")

    tab_to("a.type === 'radio'")
    page.keyboard.press("Space")  # the first answer: "Jeg skal have mit første kørekort"
    page.keyboard.press("Enter")  # submits the form
    page.get_by_text("Hvad vil du køre?").wait_for()
    assert page.evaluate("() => document.activeElement.tagName") == "FIELDSET"  # focus moved to the new question
    tab_to("a.type === 'radio'")
    page.keyboard.press("ArrowDown")  # gruppe 2
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Første kørekort til lastbil eller bus (gruppe 2)").wait_for()
    assert (
        page.evaluate("() => document.activeElement.textContent") == "Første kørekort til lastbil eller bus (gruppe 2)"
    )
    tab_to("a.type === 'checkbox' && a.value === 'C'")
    page.keyboard.press("Space")
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.boxShadow]; }"
    )
    assert style[0] != "none" or style[1] != "none", "the focused checkbox shows no focus indicator"
    tab_to("a.tagName === 'BUTTON' && a.textContent.trim() === 'Start ansøgningen'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/borger/ansoegninger/[0-9a-f-]{36}$"))
    page.locator("#f-del_a-health-vision").wait_for()


# --------------------------------------------------------------------------------------------- doctor


@pytest.mark.parametrize("size", SIZES)
def test_doctor_fills_del_b_with_live_validation_saves_attaches_signs_and_submits(
    size: str, session: Session, run_tasks: Callable[[], int], web: Web
) -> None:
    from services.koerekort.models import Application, Attachment, Certificate, Submission

    _directory(session)
    application, certificate = _signed(
        session, "borger-mette", HANSEN, categories=["C", "CE"], acquisition_type="renewal_group2", vision=True
    )
    bp = web.logged_in(size, SERVICE, "laege-hansen", "/laege")
    page = bp.page
    row = page.locator(f"[data-certificate-id='{certificate.id}']")
    row.wait_for()
    assert "150285-****" in row.inner_text() and "Hos lægen" in row.inner_text()
    web.check_axe(bp, "læge: oversigt")
    web.screenshot(bp, SERVICE, "laege-oversigt")
    row.get_by_role("link", name="Udfyld erklæringen for 150285-****").click()

    page.wait_for_url(f"**/laege/erklaeringer/{certificate.id}")
    page.locator("#f-del_b-examination-date").wait_for()
    assert "Mette Jensen" in page.locator("[data-kort-applicant]").inner_text()
    assert "150285-****" in page.locator("[data-kort-cpr]").inner_text()
    assert page.locator("#f-del_b-examination-not_own_gp_reason").count() == 0  # her own GP: no reason asked

    # Live validation: an acuity out of range gets the API's message next to the field, Danish comma accepted.
    acuity = page.locator("#f-del_b-vision-acuity_right")
    acuity.fill("2,5")
    acuity.press("Tab")
    acuity_error = _error(page, "/del_b/vision/acuity_right")
    acuity_error.wait_for(state="visible")
    api_says = _api_message(
        web,
        "laege-hansen",
        f"/api/v1/certificates/{certificate.id}/validations",
        {"form_version": "2025.1", "del_b": {"vision": {"acuity_right": 2.5}}},
        "/del_b/vision/acuity_right",
    )
    assert acuity_error.text_content() == "Fejl: " + api_says
    acuity.fill("1,0")
    acuity.press("Tab")
    acuity_error.wait_for(state="hidden")

    page.locator("#f-del_b-examination-date").fill((date.today() - timedelta(days=1)).isoformat())
    page.locator("#f-del_b-examination-identity_document-2").check()  # pas
    page.locator("#f-del_b-examination-journal_access-1").check()
    page.locator("#f-del_b-vision-acuity_left").fill("0,9")
    page.locator("#f-del_b-vision-acuity_binocular").fill("1,0")
    page.locator("#f-del_b-vision-correction-1").check()
    booleans = page.locator("[data-kort-part='del_b'] fieldset[data-kind='boolean']")
    for index in range(booleans.count()):
        group = booleans.nth(index)
        if group.is_visible() and group.locator("input:checked").count() == 0:
            group.locator("input[value='false']").check()
    page.locator("#f-conclusion-result-2").check()  # på vilkår
    page.locator("#f-conclusion-categories-10").check()  # C
    page.locator("#f-conclusion-categories-11").check()  # CE

    # Save the draft: every finding at once, next to its field and in the summary.
    page.get_by_role("button", name="Gem kladde").click()
    page.locator("[data-kort-saved]").filter(has_text="Kladden er gemt").wait_for()
    for pointer, text in (
        ("/supplementary/text", "Lægen skal kommentere svaret"),
        ("/conclusion/conditions", "Angiv vilkårene under punkt 2b"),
        ("/conclusion/assessment", "skal begrundes under punkt 2a"),
    ):
        assert text in _error(page, pointer).inner_text(), pointer
    assert page.locator("[data-kort-validation]").inner_text().startswith("3 fejl")
    web.check_axe(bp, "læge: kladde med fejl")
    if size == "desktop":
        web.screenshot(bp, SERVICE, "laege-erklaering-fejl")

    page.get_by_label("Beskrivelse af alle forhold").fill("Nærsynet, bruger briller. Ingen øjensygdom.")
    page.get_by_label("2a. Lægens vurdering").fill("Fuld synsstyrke med briller.")
    page.get_by_label("2b. Vilkår").fill("Briller eller kontaktlinser (kode 01).")
    page.locator("[data-kort-validation]").filter(has_text="Ingen fejl").wait_for()

    # A specialist statement as attachment.
    page.get_by_label("Type bilag").select_option("specialist_statement")
    page.locator("#f-description").fill("Øjenlæge, synsprøve")
    page.locator("#f-file").set_input_files(
        {"name": "oejenlaege.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
    )
    page.get_by_role("button", name="Vedhæft bilag").click()
    page.locator("[data-kort-attachments]").filter(has_text="oejenlaege.pdf").wait_for()
    web.check_axe(bp, "læge: udfyldt erklæring")
    web.screenshot(bp, SERVICE, "laege-erklaering")

    # Sign and submit: the tick first, then the API accepts a certificate without errors.
    page.get_by_role("button", name="Underskriv og indsend").click()
    _error(page, "/confirm").wait_for(state="visible")
    page.get_by_label("Jeg underskriver lægeerklæringen").check()
    page.get_by_role("button", name="Underskriv og indsend").click()
    page.locator("[data-kort-submitted]").wait_for()
    assert page.locator("[data-kort-editable]").is_hidden()
    assert "Opfylder kravene på vilkår" in page.locator("[data-kort-answers]").inner_text()
    web.check_axe(bp, "læge: indsendt")

    session.expire_all()
    assert session.get(Application, application.id).status == "submitted"  # type: ignore[union-attr]
    stored = session.get(Certificate, certificate.id)
    assert stored is not None and stored.submission_count == 1
    assert stored.doctor_part["del_b"]["vision"]["acuity_left"] == 0.9
    assert {"out_of_range", "citizen_yes_needs_doctor_comment"} <= set(stored.caught_error_codes)
    attachment = session.scalars(select(Attachment).where(Attachment.certificate_id == certificate.id)).one()
    assert (attachment.kind, attachment.submitted_in_sequence) == ("specialist_statement", 1)
    assert session.scalars(select(Submission).where(Submission.certificate_id == certificate.id)).one().sequence == 1
    no_sideways_scrolling(bp)
    assert not [u for u in bp.request_urls if CPR["borger-mette"] in u or "150285" in u]


# --------------------------------------------------------------------------------------------- Borgerservice


@pytest.mark.parametrize("size", SIZES)
def test_borgerservice_filters_sees_the_flag_asks_the_doctor_who_answers_and_then_approves(
    size: str, session: Session, run_tasks: Callable[[], int], web: Web
) -> None:
    from services.koerekort.models import Application, InformationRequest
    from services.koerekort.plausibility.model import REASONS

    _directory(session)
    _, plain = _signed(session, "borger-mette", HANSEN, categories=["B"])
    _submit(session, plain, "laege-hansen", _doctor_parts(["B"]))
    odd_application, odd = _signed(session, "borger-fatima", BERG, categories=["B"])
    _submit(session, odd, "laege-berg", _doctor_parts(["B"], acuity_right=1.2, acuity_left=1.1, acuity_binocular=0.7))
    run_tasks()  # the plausibility check runs after submission

    bp = web.logged_in(size, SERVICE, "bs-karin", "/borgerservice")
    page = bp.page
    rows = page.locator("[data-kort-inbox] tbody tr")
    rows.nth(1).wait_for()
    assert rows.count() == 2
    page.get_by_label("Kun erklæringer markeret af plausibilitetstjekket").check()
    page.get_by_role("button", name="Vis erklæringer").click()
    page.locator("[data-kort-count]").filter(has_text="1 erklæring vist.").wait_for()
    flagged_row = page.locator(f"[data-certificate-id='{odd.id}']")
    assert "Markeret" in flagged_row.inner_text() and "030378-****" in flagged_row.inner_text()
    no_sideways_scrolling(bp)
    web.check_axe(bp, "borgerservice: indbakke")
    web.screenshot(bp, SERVICE, "borgerservice-indbakke")
    flagged_row.get_by_role("link", name="Åbn erklæringen for 030378-****").click()

    # The certificate view: the flag with its reason, the whole certificate read only.
    page.wait_for_url(f"**/borgerservice/erklaeringer/{odd.id}")
    flag = page.locator("[data-kort-flag]")
    flag.wait_for()
    assert REASONS["binocular_below_better_eye"] in flag.inner_text()
    assert "synsstyrke begge øjne: 0,7" in flag.inner_text()
    assert "Fatima Ali" in page.locator("[data-kort-facts]").inner_text()
    certificate_text = page.locator("[data-kort-certificate]").inner_text()
    assert "Del B – Lægens undersøgelse" in certificate_text and "Opfylder de helbredsmæssige krav" in certificate_text
    web.check_axe(bp, "borgerservice: erklæring")
    web.screenshot(bp, SERVICE, "borgerservice-erklaering")

    page.get_by_role("button", name="Tag sagen").click()
    page.locator("[data-kort-facts] [data-status='in_review']").wait_for()

    # Request information from the doctor: too short first (the API's message), then with a field.
    page.get_by_label("Hvad mangler eller er uklart?").fill("Hm")
    page.get_by_role("button", name="Send anmodning til lægen").click()
    _error(page, "/message").wait_for(state="visible")
    page.get_by_text("Vælg de felter, det gælder (valgfrit)").click()
    page.get_by_label("Synsstyrke, begge øjne (decimal, fx 1,0)").check()
    page.get_by_label("Hvad mangler eller er uklart?").fill(
        "Synsstyrken med begge øjne er lavere end på det bedste øje. Kontrollér målingen."
    )
    page.get_by_role("button", name="Send anmodning til lægen").click()
    page.locator("[data-kort-facts] [data-status='information_requested']").wait_for()
    assert "Afventer lægen" in page.locator("[data-kort-requests]").inner_text()
    assert page.locator("[data-kort-approve-box]").is_hidden()
    session.expire_all()
    request = session.scalars(select(InformationRequest).where(InformationRequest.certificate_id == odd.id)).one()
    assert request.fields == ["/del_b/vision/acuity_binocular"] and request.requested_by_sub == "bs-karin"
    run_tasks()

    # The doctor answers in the form client, corrects the field and submits again.
    doctor = web.logged_in(size, SERVICE, "laege-berg", "/laege")
    doctor.page.get_by_role("link", name="Besvar og ret erklæringen for 030378-****").click()
    doctor.page.locator("[data-kort-requests]").filter(has_text="Kontrollér målingen").wait_for()
    binocular = doctor.page.locator("#f-del_b-vision-acuity_binocular")
    binocular.wait_for()
    requested = doctor.page.locator(".field--requested")
    assert requested.count() == 1 and "Borgerservice har spurgt til dette felt" in requested.inner_text()
    web.check_axe(doctor, "læge: anmodning fra Borgerservice")
    if size == "desktop":
        web.screenshot(doctor, SERVICE, "laege-anmodning")
    doctor.page.get_by_label("Dit svar til Borgerservice").fill(
        "Fejlindtastning: begge øjne 1,2. Rettet i erklæringen."
    )
    doctor.page.get_by_role("button", name="Send svar").click()
    doctor.page.locator(".request__answer").filter(has_text="Fejlindtastning").wait_for()
    binocular.fill("1,2")
    doctor.page.get_by_label("Jeg underskriver lægeerklæringen").check()
    doctor.page.get_by_role("button", name="Underskriv og indsend").click()
    doctor.page.locator("[data-kort-submitted]").filter(has_text="indsendelse nr. 2").wait_for()
    run_tasks()  # the resubmission is checked again

    # Back at Borgerservice: answered, resubmitted, no flag any more; approve.
    page.reload()
    page.locator("[data-kort-facts] [data-status='submitted']").wait_for()
    requests_text = page.locator("[data-kort-requests]").inner_text()
    assert "Afsluttet ved indsendelse nr. 2" in requests_text and "Fejlindtastning" in requests_text
    assert page.locator("[data-kort-flag='none']").is_visible()
    page.get_by_role("button", name="Godkend erklæringen").click()
    page.get_by_role("button", name="Ja, godkend").click()
    page.locator("[data-kort-facts] [data-status='approved']").wait_for()
    page.locator("#kk-status").filter(has_text="Erklæringen er godkendt").wait_for()
    web.check_axe(bp, "borgerservice: godkendt")
    session.expire_all()
    assert session.get(Application, odd_application.id).status == "approved"  # type: ignore[union-attr]
    run_tasks()
    session.expire_all()
    assert session.get(Application, odd_application.id).authority_reference  # type: ignore[union-attr]
    assert not [u for u in bp.request_urls + doctor.request_urls if CPR["borger-fatima"] in u or "030378" in u]


# --------------------------------------------------------------------------------------------- instructor


@pytest.mark.parametrize("size", SIZES)
def test_instructor_starts_an_application_for_a_student_and_sees_status_only(
    size: str, session: Session, web: Web
) -> None:
    from services.koerekort.models import Application

    _directory(session)
    bp = web.logged_in(size, SERVICE, "kl-soren", "/koerelaerer")
    page = bp.page
    page.locator("[data-kort-students] .empty").wait_for()
    page.locator("#f-acquisition_type option[value='first_licence']").wait_for(state="attached")

    cpr = page.get_by_label("Elevens CPR-nummer")
    cpr.fill("3201851234")
    page.get_by_label("Hvad skal eleven have?").select_option("first_licence")
    page.get_by_label("B – almindelig bil").check()
    page.get_by_role("button", name="Start ansøgningen").click()
    _error(page, "/cpr").wait_for(state="visible")
    assert cpr.get_attribute("aria-invalid") == "true"
    web.check_axe(bp, "kørelærer: CPR-fejl")

    cpr.fill("241104-4347")
    page.get_by_role("button", name="Start ansøgningen").click()
    page.locator("#kk-status").filter(has_text="241104-****").wait_for()
    assert cpr.input_value() == ""  # the number is not kept on the page
    card = page.locator("[data-kort-students] .card")
    card.wait_for()
    assert "241104-****" in card.inner_text() and "Del A i gang" in card.inner_text()
    card.get_by_text("Vis forløbet").click()
    card.locator("[data-step='started']").wait_for()
    text = page.locator("main").inner_text()
    for health_word in ("diabetes", "Synsstyrke", "Del B", "Konklusion", "Ja-svar"):
        assert health_word.lower() not in text.lower(), health_word
    no_sideways_scrolling(bp)
    web.check_axe(bp, "kørelærer")
    web.screenshot(bp, SERVICE, "koerelaerer")

    session.expire_all()
    application = session.scalars(select(Application)).one()
    assert (application.started_by_sub, application.started_by_role) == ("kl-soren", "koerelaerer")
    assert not [u for u in bp.request_urls if CPR["borger-jonas"] in u or "241104" in u]

    # The doctor's pages are not for an instructor: the page says so, and the API refuses.
    page.goto(web.url(SERVICE, "/laege"))
    page.locator("[data-kk-gate-forbidden]").wait_for(state="visible")
    status = page.evaluate("() => KK.api('/api/v1/certificates').then(() => 200, (e) => e.status)")
    assert status == 403


# --------------------------------------------------------------------------------------------- reports


def _report_world(session: Session) -> None:
    """Two digital certificates (one with errors caught on the way, one returned to the doctor, approved) and paper."""
    from services.koerekort.certificates import flows
    from services.koerekort.certificates import service as certificates
    from services.koerekort.documents import today_in_copenhagen
    from services.koerekort.models import InformationRequest, PaperCertificate

    _directory(session)
    _, first = _signed(session, "borger-mette", HANSEN, categories=["B"])
    bad = _doctor_parts(["B"])
    bad["conclusion"]["result"] = "time_limited"  # no period and no assessment: caught before submission
    certificates.save_draft(
        session,
        principal=demo_principal("laege-hansen"),
        certificate_id=first.id,
        form_version=first.form_version,
        parts=bad,
        if_match=None,
    )
    _submit(session, first, "laege-hansen", _doctor_parts(["B"]))
    _, second = _signed(session, "borger-fatima", BERG, categories=["B"])
    _submit(session, second, "laege-berg", _doctor_parts(["B"]))
    karin = demo_principal("bs-karin")
    flows.request_information(session, principal=karin, certificate_id=second.id, message="Uddyb venligst.", fields=[])
    flows.answer_information_request(
        session,
        principal=demo_principal("laege-berg"),
        certificate_id=second.id,
        request_id=session.scalars(select(InformationRequest.id)).one(),
        answer="Uddybet.",
    )
    _submit(session, second, "laege-berg", _doctor_parts(["B"]))
    flows.approve(session, principal=karin, certificate_id=second.id)
    today = today_in_copenhagen()
    session.add_all(
        [
            PaperCertificate(received_on=today, had_errors=True, error_types=["E01"], registered_by_sub="bs-karin"),
            PaperCertificate(received_on=today, had_errors=False, error_types=[], registered_by_sub="bs-karin"),
        ]
    )
    session.commit()


@pytest.mark.parametrize("size", SIZES)
def test_reports_show_figures_charts_with_tables_and_register_paper(size: str, session: Session, web: Web) -> None:
    _report_world(session)
    report = web.api("bs-karin", SERVICE, "/api/v1/reports/quality").json()
    assert report["certificates_submitted_digitally"] == 2

    bp = web.logged_in(size, SERVICE, "bs-karin", "/rapporter")
    page = bp.page
    figures = page.locator("[data-kort-figures]")
    figures.locator("[data-figure='submitted'] .figure__value").filter(has_text="2").wait_for()
    assert "50 %" in figures.locator("[data-figure='caught']").inner_text()  # 1 of 2 had errors caught
    assert "50 %" in figures.locator("[data-figure='returns']").inner_text()  # 1 of 2 went back to the doctor
    assert "papir: 20 %" in figures.locator("[data-figure='returns']").inner_text()
    assert "50 %" in figures.locator("[data-figure='digital']").inner_text()  # 2 digital, 2 paper

    charts = page.locator("svg[role='img']")
    assert charts.count() == 4
    returns = page.locator("[data-kort-figure='returns']")
    assert "20 %" in (returns.locator("desc").text_content() or "")
    returns.get_by_text("Vis tallene som tabel").click()
    table = returns.locator("table")
    table.wait_for()
    assert "Papir (Bilag 2B): sendt tilbage med fejl" in table.inner_text() and "20 %" in table.inner_text()
    caught = page.locator("[data-kort-figure='caught'] desc").text_content() or ""
    for kind in report["errors_caught_before_submission"]["by_type"]:
        assert kind["title"] in caught
    no_sideways_scrolling(bp)
    web.check_axe(bp, "rapporter")
    web.screenshot(bp, SERVICE, "rapporter")

    # A period that ends before it starts: the API's message next to the field.
    page.get_by_label("Fra og med").fill("2026-02-10")
    page.get_by_label("Til og med").fill("2026-02-01")
    page.get_by_role("button", name="Vis rapporten").click()
    _error(page, "/from").wait_for(state="visible")
    assert "Fra-datoen skal ligge før til-datoen." in _error(page, "/from").inner_text()

    # Register a paper certificate: the digital share goes down.
    page.get_by_label("Fra og med").fill("")
    page.get_by_label("Til og med").fill("")
    page.get_by_role("button", name="Vis rapporten").click()
    page.get_by_label("Modtaget den").fill(date.today().isoformat())
    page.locator("#f-had_errors-1").check()
    page.get_by_label("E01", exact=False).first.check()
    page.get_by_role("button", name="Registrér papirerklæringen").click()
    page.locator("#kk-status").filter(has_text="Papirerklæringen er registreret.").wait_for()
    figures.locator("[data-figure='digital']").filter(has_text="40 %").wait_for()  # 2 of 5
    web.check_axe(bp, "rapporter efter registrering")


# --------------------------------------------------------------------------------------------- shells


def test_every_page_is_a_local_shell_without_data_and_its_forms_post(db: None, web_stack: Any) -> None:
    from services.koerekort.pages import PAGES

    some_id = "00000000-aaaa-bbbb-cccc-dddddddddddd"  # an opaque id with no run of ten digits
    for declared in PAGES:
        path = re.sub(r"\{[a-z_]+\}", some_id, declared.path)
        answer = httpx.get(web_stack.url(SERVICE, path), timeout=30)
        assert answer.status_code == 200, path
        assert "script-src 'self'" in answer.headers["content-security-policy"], path
        html = answer.text
        for ref in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert ref.startswith(("/", "#")), f"{path}: non-local reference {ref!r}"
        for form in re.findall(r"<form[^>]*>", html):
            assert 'method="post"' in form, f"{path}: {form}"
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert not inline, f"{path}: inline script {inline}"
        assert 'style="' not in html, path
        text = re.sub(r"\?v=[0-9a-f]+", "", html).replace("010190-1234", "")  # hashes; the hint's example
        assert not re.search(r"\d{6}-?\d{4}", text), f"{path}: something like a CPR number"


def test_pages_benchmark_runs_at_tiny_scale(browser: Any) -> None:
    """bench/koerekort_pages.py end to end at tiny scale (the real run is outside the suite)."""
    from bench.koerekort_pages import measure

    figures = measure(requests=3, browser_loads=1, browser=browser)
    for name in ("doctor_form_html_p50", "kort_js_p50", "live_validation_api_p50"):
        figure = figures[name]
        assert figure["value"] > 0 and figure["baseline"] > 0
        assert figure["ratio_to_baseline"] == round(figure["value"] / figure["baseline"], 2)
    assert figures["live_validation_api"]["count"] == 3
    assert figures["browser"]["form_ready"]["count"] == 1 and figures["browser"]["live_message"]["count"] == 1
