"""kk.js form helpers in Debian's chromium, on the shared form macros: JSON body from field pointers,
problem+json errors placed next to the right field (with parent-pointer fallback), live validation."""

from __future__ import annotations

import pytest

from shared.web.pages import Site
from tests.web.helpers import BrowserPage, Web

pytestmark = pytest.mark.browser

FORM = """
{% import "kk/macros.html" as ui %}
<form class="form" method="post" action="/x" novalidate data-kk-form="test">
  {{ ui.error_summary() }}
  {{ ui.field("del_b.vision.acuity", "Synsstyrke (bedste øje)", value_type="number", required=True, inputmode="decimal") }}
  {{ ui.radios("del_b.epilepsy", "Har ansøgeren epilepsi?", [("true", "Ja"), ("false", "Nej")], value_type="boolean", required=True, inline=True) }}
  {{ ui.select("group", "Kørekortgruppe", [("1", "Gruppe 1"), ("2", "Gruppe 2")], value_type="integer", required=True) }}
  {{ ui.checkbox("consent", "Jeg bekræfter oplysningerne") }}
  {{ ui.textarea("remarks", "Bemærkninger") }}
  {{ ui.field("limit", "Antal", pointer="/query/limit", value_type="integer") }}
  {{ ui.submit("Gem") }}
</form>
"""


def _form_html() -> str:
    site = Site(service="kontrol", title="Prøve", description="Prøve")
    return site.env.from_string(FORM).render()


def _open_form(web: Web, size: str) -> BrowserPage:
    """A fresh page (kontrol's "Log ind", for kk.js and the stylesheet) with the test form added to it."""
    bp = web.open_page(size)
    page = bp.page
    page.goto(web.url("kontrol", "/log-ind"))
    page.wait_for_function("() => window.KK !== undefined")
    page.evaluate(
        "(html) => document.querySelector('#indhold .container').insertAdjacentHTML('beforeend', html)",
        _form_html(),
    )
    return bp


def test_collect_builds_the_json_body_from_field_pointers(db: None, web: Web) -> None:
    bp = _open_form(web, "desktop")
    page = bp.page
    page.get_by_label("Synsstyrke (bedste øje)").fill("0,8")
    page.get_by_label("Nej").check()
    page.get_by_label("Kørekortgruppe").select_option("2")
    page.get_by_label("Jeg bekræfter oplysningerne").check()
    page.get_by_label("Bemærkninger").fill("Briller ved kørsel")
    page.get_by_label("Antal").fill("25")
    data = page.evaluate("() => KK.form.collect(document.querySelector('[data-kk-form=test]'))")
    assert data == {
        "body": {
            "del_b": {"vision": {"acuity": 0.8}, "epilepsy": False},
            "group": 2,
            "consent": True,
            "remarks": "Briller ved kørsel",
        },
        "query": {"limit": 25},
    }
    # Values that are not numbers go to the API as typed: the API, not the page, says what is wrong.
    page.get_by_label("Synsstyrke (bedste øje)").fill("god")
    page.get_by_label("Bemærkninger").fill("")
    data = page.evaluate("() => KK.form.collect(document.querySelector('[data-kk-form=test]')).body")
    assert data["del_b"]["vision"]["acuity"] == "god"
    assert "remarks" not in data


def test_problem_errors_land_next_to_their_fields(db: None, web: Web) -> None:
    bp = _open_form(web, "phone")
    page = bp.page
    page.evaluate(
        """() => KK.form.showProblem(document.querySelector('[data-kk-form=test]'), new KK.Problem(422, {
            detail: 'Erklæringen indeholder fejl; se de enkelte felter.',
            errors: [
              {field: '/del_b/vision/acuity', code: 'float_parsing', message: 'Skal være et tal.'},
              {field: '/del_b/vision/acuity/unit', code: 'missing', message: 'Angiv enhed.'},
              {field: '/del_b/epilepsy', code: 'missing', message: 'Feltet skal udfyldes.'},
              {field: '/query/limit', code: 'less_than_equal', message: 'Må højst være 500.'},
              {field: '/signature', code: 'missing', message: 'Erklæringen skal underskrives.'},
            ]}))"""
    )
    acuity = page.locator("#f-del_b-vision-acuity-error")
    assert acuity.text_content() == "Fejl: Skal være et tal. Angiv enhed."  # parent pointer fallback
    assert page.get_by_label("Synsstyrke (bedste øje)").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-del_b-epilepsy-error").text_content() == "Fejl: Feltet skal udfyldes."
    assert page.locator("#f-del_b-epilepsy").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-limit-error").text_content() == "Fejl: Må højst være 500."
    assert page.locator("#f-group-error").is_hidden()
    summary = page.locator("[data-kk-error-list] li")
    assert summary.all_inner_texts() == [
        "Synsstyrke (bedste øje): Skal være et tal. Angiv enhed.",
        "Har ansøgeren epilepsi?: Feltet skal udfyldes.",
        "Antal: Må højst være 500.",
        "Erklæringen skal underskrives.",  # no field for it: shown in the summary
    ]
    assert page.evaluate("() => document.activeElement.hasAttribute('data-kk-error-summary')")
    page.locator("#kk-alert").filter(has_text="Erklæringen indeholder fejl").wait_for()
    # The summary links move focus to the field.
    summary.first.locator("a").click()
    assert page.evaluate("() => document.activeElement.id") == "f-del_b-vision-acuity"
    web.check_axe(bp, "form with field errors")


def test_live_validation_shows_only_fields_the_user_has_touched(db: None, web: Web) -> None:
    bp = _open_form(web, "desktop")
    page = bp.page
    page.evaluate(
        """() => {
            window.checks = 0;
            KK.form.live(document.querySelector('[data-kk-form=test]'), (data) => {
              window.checks += 1;
              const errors = [{field: '/remarks', code: 'missing', message: 'Skriv en bemærkning.'}];
              if (data.body.group !== 2) errors.push({field: '/group', code: 'x', message: 'Vælg gruppe 2.'});
              return Promise.reject(new KK.Problem(422, {errors}));
            }, {delay: 50});
        }"""
    )
    page.get_by_label("Kørekortgruppe").select_option("1")
    group_error = page.locator("#f-group-error")
    group_error.wait_for(state="visible")
    assert group_error.text_content() == "Fejl: Vælg gruppe 2."
    assert page.locator("#f-remarks-error").is_hidden()  # not touched yet
    page.get_by_label("Kørekortgruppe").select_option("2")
    group_error.wait_for(state="hidden")
    assert page.get_by_label("Kørekortgruppe").get_attribute("aria-invalid") is None
    page.get_by_label("Bemærkninger").fill("x")
    page.locator("#f-remarks-error").wait_for(state="visible")
    assert page.evaluate("() => window.checks") >= 3
