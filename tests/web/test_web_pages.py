"""The web foundation without a browser: every service serves the shared pages, assets are local, pages extend."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.auth.roles import Role
from shared.web import Page, mount_web
from shared.web import pages as web_pages

SERVICES = ("kontrol", "koerekort", "viceværtsopgaver", "sms_ydelse")
WEB_DIR = Path(web_pages.__file__).resolve().parent


@pytest.fixture(scope="module")
def clients() -> dict[str, TestClient]:
    return {
        name: TestClient(importlib.import_module(f"services.{name}.app").create_app(), raise_server_exceptions=True)
        for name in SERVICES
    }


def _config(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="kk-config">(.*?)</script>', html, re.S)
    assert match, "page has no kk-config"
    return json.loads(match.group(1))


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_serves_start_login_and_admin_pages(clients: dict[str, TestClient], service: str) -> None:
    client = clients[service]
    name = client.app.state.web.name  # type: ignore[attr-defined]
    for path, title in (("/", "Forside"), ("/log-ind", "Log ind"), ("/admin", "Administration")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert '<html lang="da">' in html
        assert f"<title>{title} – {name} – Københavns Kommune</title>" in html
        assert 'class="skip-link" href="#indhold"' in html and 'id="indhold"' in html
        assert 'role="status"' in html and 'role="alert"' in html
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert _config(html)["page"]["path"] == path  # type: ignore[index]
    admin = _config(client.get("/admin").text)
    assert admin["page"] == {"path": "/admin", "title": "Administration", "roles": ["admin"], "login": True}


@pytest.mark.parametrize("service", SERVICES)
def test_unknown_address_is_a_danish_html_page_for_browsers_and_problem_json_for_api_clients(
    clients: dict[str, TestClient], service: str
) -> None:
    client = clients[service]
    page = client.get("/ingen-side/<script>", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Siden findes ikke</h1>" in page.text and 'href="/"' in page.text
    assert "/ingen-side/&lt;script&gt;" in page.text and "<script>" not in page.text.split("</head>")[1]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert _config(page.text)["page"]["login"] is False  # type: ignore[index]
    # API addresses and non-browser clients keep RFC 9457 problem+json.
    for path, accept in (("/api/v1/ingen", "text/html"), ("/ingen-side", "application/json"), ("/ingen-side", "*/*")):
        problem = client.get(path, headers={"accept": accept})
        assert problem.status_code == 404 and problem.headers["content-type"] == "application/problem+json", path
        assert problem.json()["detail"] == "Adressen findes ikke."


@pytest.mark.parametrize("service", SERVICES)
def test_pages_stay_out_of_the_openapi_document(clients: dict[str, TestClient], service: str) -> None:
    paths = clients[service].get("/openapi.json").json()["paths"]
    assert "/" not in paths and "/admin" not in paths and "/log-ind" not in paths


def test_shared_static_files_are_served_with_their_types(clients: dict[str, TestClient]) -> None:
    client = clients["kontrol"]
    html = client.get("/admin").text
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {u.split("?")[0] for u in urls} >= {
        "/static/kk/kk.css",
        "/static/kk/kk.js",
        "/static/kk/admin.js",
        "/static/kk/favicon.svg",
    }
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/static/kk/kk.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/kk/kk.css").headers["content-type"].startswith("text/css")
    missing = client.get("/static/kk/nothing-here.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_static_urls_change_when_the_file_changes(tmp_path: Path) -> None:
    asset = tmp_path / "x.js"
    asset.write_text("one")
    first = web_pages._digest(asset, asset.stat().st_mtime_ns)
    asset.write_text("two!")
    assert web_pages._digest(asset, asset.stat().st_mtime_ns) != first


def test_no_cdn_every_reference_is_local(clients: dict[str, TestClient]) -> None:
    for path in ("/", "/log-ind", "/admin"):
        html = clients["kontrol"].get(path).text
        for ref in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert ref.startswith(("/", "#")), f"{path}: non-local reference {ref!r}"
    for asset in [*WEB_DIR.glob("static/*"), *WEB_DIR.glob("templates/*")]:
        text = asset.read_text()
        external = [u for u in re.findall(r"https?://[^\s\"')]+", text) if u != "http://www.w3.org/2000/svg"]
        assert not external, f"{asset.name} refers to {external}"


def test_forms_post_so_a_cpr_number_never_lands_in_a_url(clients: dict[str, TestClient]) -> None:
    html = clients["kontrol"].get("/admin").text
    forms = re.findall(r"<form[^>]*>", html)
    assert forms
    for form in forms:
        assert 'method="post"' in form, form


def _site_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pages: list[Page]) -> TestClient:
    web = tmp_path / "web"
    (web / "templates").mkdir(parents=True)
    (web / "static").mkdir()
    (web / "templates" / "item.html").write_text(
        '{% extends "kk/base.html" %}{% import "kk/macros.html" as ui %}{% block content %}'
        "<h1>{{ page.title }}</h1><p>{{ greeting | default('') }}</p>"
        '<form method="post" action="/x" data-kk-form="f">{{ ui.error_summary() }}'
        '{{ ui.field("del_b.vision.acuity", "Synsstyrke", value_type="number", required=True) }}'
        '{{ ui.radios("del_b.epilepsy", "Epilepsi", [("true", "Ja"), ("false", "Nej")], value_type="boolean") }}'
        '{{ ui.select("group", "Gruppe", [("1", "Gruppe 1"), ("2", "Gruppe 2")], value_type="integer") }}'
        "</form>{% endblock %}"
    )
    (web / "static" / "item.js").write_text("KK.page.ready(function () {});\n")
    monkeypatch.setattr(web_pages, "_service_web_dir", lambda service: web)
    app = FastAPI()
    mount_web(app, service="kontrol", title="Prøve – en side", description="Beskrivelse", pages=pages)
    return TestClient(app)


def test_a_service_adds_a_page_with_its_template_script_and_path_params(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = Page(
        "/ting/{item_id}",
        "item.html",
        "Én ting",
        roles=(Role.laege, Role.borgerservice),
        summary="Se en ting.",
        scripts=("item.js",),
        in_nav=False,
        context=lambda: {"greeting": "Goddag"},
    )
    client = _site_app(tmp_path, monkeypatch, [page, Page("/ting", "item.html", "Ting", roles=(Role.laege,))])
    response = client.get("/ting/7f0c1d2e-0000-4000-8000-000000000001")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Én ting</h1>" in html and "<p>Goddag</p>" in html
    assert re.search(r'src="/static/svc/item\.js\?v=[0-9a-f]{12}"', html)
    config = _config(html)
    assert config["params"] == {"item_id": "7f0c1d2e-0000-4000-8000-000000000001"}
    assert config["service_roles"] == ["admin", "borgerservice", "laege"]
    # Field macros carry the JSON pointer kk.js matches problem+json errors against.
    assert 'name="del_b.vision.acuity" type="text" data-type="number" required' in html
    assert 'data-pointer="/del_b/epilepsy"' in html
    assert 'aria-describedby="f-del_b-vision-acuity-error"' in html
    assert client.get("/static/svc/item.js").status_code == 200
    start = client.get("/").text
    assert 'href="/ting/{item_id}"' in start  # listed on the start page (services link real ids from their pages)
    assert "For: Læge, Borgerservice" in start
    nav = re.search(r'<nav class="site-nav".*?</nav>', start, re.S)
    assert nav and 'href="/ting"' in nav.group(0) and "/ting/{item_id}" not in nav.group(0)


def test_a_service_replaces_the_start_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _site_app(tmp_path, monkeypatch, [Page("/", "item.html", "Velkommen", login=False)])
    html = client.get("/", params={}).text
    assert "<h1>Velkommen</h1>" in html


def test_config_json_cannot_break_out_of_its_script_element(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _site_app(tmp_path, monkeypatch, [Page("/farlig", "item.html", "</script><script>alert(1)</script>")])
    html = client.get("/farlig").text
    assert "</script><script>alert(1)" not in html
    assert _config(html)["page"]["title"] == "</script><script>alert(1)</script>"  # type: ignore[index]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"path": "/api/v1/ting"}, "reserved"),
        ({"path": "/static/x"}, "reserved"),
        ({"path": "/docs"}, "reserved"),
        ({"path": "ting"}, "absolute"),
        ({"path": "/ting?x=1"}, "absolute"),
        ({"path": "/ting", "roles": ("laege",), "login": False}, "does not require login"),
        ({"path": "/ting", "roles": ("chef",)}, "unknown roles"),
    ],
)
def test_page_declarations_are_checked(kwargs: dict[str, object], message: str) -> None:
    args = {"template": "x.html", "title": "X", **kwargs}
    with pytest.raises(ValueError, match=message):
        Page(**args)  # type: ignore[arg-type]


def test_duplicate_and_platform_paths_are_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        mount_web(FastAPI(), service="kontrol", title="T", description="D", pages=[Page("/a", "x", "A")] * 2)
    with pytest.raises(ValueError, match="platform"):
        mount_web(FastAPI(), service="kontrol", title="T", description="D", pages=[Page("/admin", "x", "A")])
