"""Page routes: a `Page` says path, template, title and who it is for; `mount_web` serves a service's pages.

Pages are HTML shells without personal data. The browser fetches the data from the service's own
JSON API with the user's bearer token (kept in sessionStorage), so the API's auth, validation and
audit rules are the only copy of the rules. See docs/web.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined, select_autoescape
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from shared.auth.roles import AUDIENCES, Role
from shared.settings import OIDC_SIMULATOR_PATH, get_settings

WEB_DIR = Path(__file__).resolve().parent
SHARED_TEMPLATES = WEB_DIR / "templates"
SHARED_STATIC = WEB_DIR / "static"
SHARED_STATIC_PREFIX = "/static/kk"
SERVICE_STATIC_PREFIX = "/static/svc"
LOGIN_PATH = "/log-ind"

# Paths that belong to the API and the platform; a page may not take them.
RESERVED_PREFIXES = (
    "/api",
    "/static",
    "/health",
    "/ready",
    "/metrics",
    "/docs",
    "/openapi.json",
    "/.well-known",
    OIDC_SIMULATOR_PATH,
)

ROLE_LABELS: dict[str, str] = {
    Role.sagsbehandler: "Sagsbehandler",
    Role.borger: "Borger",
    Role.laege: "Læge",
    Role.borgerservice: "Borgerservice",
    Role.koerelaerer: "Kørelærer",
    Role.bestiller: "Opgavebestiller",
    Role.vicevaert: "Vicevært",
    Role.teamleder: "Teamleder",
    Role.servicedesk: "Servicedesk (KEID)",
    Role.ivr: "Telefonsystem (IVR)",
    Role.admin: "Administrator",
    Role.system: "System",
}


def content_security_policy(connect_src: str = "'self'") -> str:
    """The pages' policy: only their own scripts and styles (no inline script, no CDN), data from `connect_src`."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            f"connect-src {connect_src}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


# Data is fetched from the same origin; only the login page may also reach the OIDC provider (Site.oidc).
CONTENT_SECURITY_POLICY = content_security_policy()
PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "permissions-policy": "camera=(self), geolocation=(self), microphone=(), payment=()",
}


def oidc_login_config(service: str) -> dict[str, Any] | None:
    """What the "Log ind" page needs for the OIDC redirect (OIDC_ISSUER_URL, OIDC_CLIENT_ID), or None when off."""
    settings = get_settings()
    issuer = settings.oidc_issuer_url.strip().rstrip("/")
    if not issuer:
        return None
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"OIDC_ISSUER_URL must be an http(s) URL, not {issuer!r}")
    return {
        "issuer": issuer,
        "origin": f"{parts.scheme}://{parts.netloc}",
        "client_id": settings.oidc_client_id,
        "audience": AUDIENCES.get(service, ""),
        "simulator": parts.path.endswith(OIDC_SIMULATOR_PATH),
    }


@dataclass(frozen=True)
class Page:
    """One page of a service: path, template, Danish title and the roles it is for.

    `roles` empty with `login=True` means any logged-in user; `login=False` is a public page.
    `template` is looked up in `services/<service>/web/templates/` (shared templates are named `kk/...`).
    `scripts`/`styles` are file names in `services/<service>/web/static/` (falling back to the shared ones).
    `context` may add non-personal values to the template (it runs without authentication).
    """

    path: str
    template: str
    title: str
    roles: tuple[str, ...] = ()
    login: bool = True
    summary: str = ""
    nav_label: str | None = None
    in_nav: bool = True
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    context: Callable[[], Mapping[str, Any]] | None = None

    def __post_init__(self) -> None:
        if not self.path.startswith("/") or "?" in self.path or "#" in self.path:
            raise ValueError(f"page path must be an absolute path without query: {self.path!r}")
        if any(self.path == p or self.path.startswith(p + "/") for p in RESERVED_PREFIXES):
            raise ValueError(f"page path {self.path!r} is reserved for the API or the platform")
        if self.roles and not self.login:
            raise ValueError(f"page {self.path!r} names roles but does not require login")
        unknown = [r for r in self.roles if r not in ROLE_LABELS]
        if unknown:
            raise ValueError(f"page {self.path!r} names unknown roles: {unknown}")
        object.__setattr__(self, "roles", tuple(str(r) for r in self.roles))

    @property
    def label(self) -> str:
        """The text of the page's menu item."""
        return self.nav_label or self.title

    @property
    def role_labels(self) -> list[str]:
        """Danish names of the roles the page is for."""
        return [ROLE_LABELS[r] for r in self.roles]


START_PAGE = Page(
    "/",
    "kk/index.html",
    "Forside",
    login=False,
    summary="Oversigt over tjenestens sider.",
)
LOGIN_PAGE = Page(LOGIN_PATH, "kk/login.html", "Log ind", login=False, in_nav=False, scripts=("login.js",))
ADMIN_PAGE = Page(
    "/admin",
    "kk/admin.html",
    "Administration",
    roles=(Role.admin,),
    summary="Revisionsloggen (søg på en borger, kontrollér hashkæden) og fejlede hændelser, der kan sendes igen.",
    scripts=("admin.js",),
)
# Rendered for unknown addresses asked for by a browser; not a route of its own.
NOT_FOUND_PAGE = Page("/ikke-fundet", "kk/not_found.html", "Siden findes ikke", login=False, in_nav=False)


@lru_cache(maxsize=512)
def _digest(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _service_web_dir(service: str) -> Path | None:
    """`services/<service>/web/`, where a service keeps its page templates and static files."""
    try:
        spec = importlib.util.find_spec(f"services.{service}")
    except ModuleNotFoundError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "web"


def _json_for_script(value: Any) -> str:
    """JSON that is safe inside a `<script type="application/json">` element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Site:
    """One service's pages, templates and static files."""

    def __init__(self, *, service: str, title: str, description: str, pages: Sequence[Page] = ()) -> None:
        self.service = service
        self.title = title
        self.name = title.split(" – ")[0].strip()
        self.description = description
        web_dir = _service_web_dir(service)
        self.templates_dir = web_dir / "templates" if web_dir else None
        self.static_dir = web_dir / "static" if web_dir else None
        self.pages = self._collect(pages)
        self.oidc = oidc_login_config(service)
        loaders: list[Any] = []
        if self.templates_dir and self.templates_dir.is_dir():
            loaders.append(FileSystemLoader(self.templates_dir))
        loaders.append(PrefixLoader({"kk": FileSystemLoader(SHARED_TEMPLATES)}))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(["html", "svg"], default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(kk_static=self.kk_static, static_url=self.static_url, role_labels=ROLE_LABELS)

    @staticmethod
    def _collect(pages: Sequence[Page]) -> list[Page]:
        own = list(pages)
        paths = [p.path for p in own]
        duplicates = {p for p in paths if paths.count(p) > 1}
        if duplicates:
            raise ValueError(f"pages declared twice: {sorted(duplicates)}")
        if LOGIN_PAGE.path in paths or ADMIN_PAGE.path in paths:
            raise ValueError(f"{LOGIN_PAGE.path} and {ADMIN_PAGE.path} are the platform's pages")
        start = [] if START_PAGE.path in paths else [START_PAGE]
        return [*start, *own, ADMIN_PAGE, LOGIN_PAGE]

    @property
    def nav(self) -> list[Page]:
        """Pages shown in the main menu."""
        return [p for p in self.pages if p.in_nav]

    @property
    def offered(self) -> list[Page]:
        """Pages listed on the start page (everything but the start and login pages)."""
        return [p for p in self.pages if p.path not in (START_PAGE.path, LOGIN_PAGE.path)]

    @property
    def user_roles(self) -> list[str]:
        """Roles that use this service's pages (the login page lists their demo users first)."""
        return sorted({r for p in self.pages for r in p.roles})

    def kk_static(self, name: str) -> str:
        """URL of a shared static file, with a content hash against stale caches."""
        path = SHARED_STATIC / name
        if not path.is_file():
            raise LookupError(f"shared static file {name!r} not found")
        return f"{SHARED_STATIC_PREFIX}/{name}?v={_digest(path, path.stat().st_mtime_ns)}"

    def static_url(self, name: str) -> str:
        """URL of a static file from the service's `web/static/` folder, else the shared one."""
        if self.static_dir is not None:
            path = self.static_dir / name
            if path.is_file():
                return f"{SERVICE_STATIC_PREFIX}/{name}?v={_digest(path, path.stat().st_mtime_ns)}"
        return self.kk_static(name)

    def render(self, page: Page, request: Request, *, status_code: int = 200, **context: Any) -> HTMLResponse:
        """Render one page (no personal data: the browser fetches that from the API)."""
        params = {k: str(v) for k, v in request.path_params.items()}
        extra = {**(page.context() if page.context else {}), **context}
        config = {
            "service": self.service,
            "service_name": self.name,
            "login_path": LOGIN_PATH,
            "page": {"path": page.path, "title": page.title, "roles": list(page.roles), "login": page.login},
            "params": params,
            "role_labels": {str(k): v for k, v in ROLE_LABELS.items()},
            "service_roles": self.user_roles,
            "oidc": self.oidc if page.path == LOGIN_PATH else None,
        }
        html = self.env.get_template(page.template).render(
            site=self,
            page=page,
            params=params,
            current_path=request.url.path,
            config_json=_json_for_script(config),
            oidc_login=self.oidc,
            **extra,
        )
        return HTMLResponse(html, status_code=status_code, headers=self.headers(page))

    def headers(self, page: Page) -> dict[str, str]:
        """Security headers of a page; the login page may also connect to the OIDC provider (token exchange)."""
        if page.path == LOGIN_PATH and self.oidc:
            return {**PAGE_HEADERS, "content-security-policy": content_security_policy(f"'self' {self.oidc['origin']}")}
        return PAGE_HEADERS

    def not_found(self, request: Request) -> HTMLResponse | None:
        """The HTML 404 page for a browser asking for an unknown page address; None for API clients."""
        path = request.url.path
        if request.method != "GET" or any(path == p or path.startswith(p + "/") for p in RESERVED_PREFIXES):
            return None
        if "text/html" not in request.headers.get("accept", ""):
            return None
        # The path is echoed escaped (autoescape) and trimmed, never used to look anything up.
        return self.render(NOT_FOUND_PAGE, request, status_code=404, missing_path=path[:200])

    def routes(self) -> list[Route]:
        """Plain GET routes for every page: HTML shells, not API endpoints (not in OpenAPI, no data, no auth)."""
        return [
            Route(page.path, self._endpoint(page), methods=["GET"], name=f"page:{page.path}") for page in self.pages
        ]

    def _endpoint(self, page: Page) -> Callable[[Request], Awaitable[HTMLResponse]]:
        async def show_page(request: Request) -> HTMLResponse:
            return self.render(page, request)

        show_page.__doc__ = f"Side: {page.title}"
        return show_page


def mount_web(app: FastAPI, *, service: str, title: str, description: str, pages: Sequence[Page] = ()) -> Site:
    """Serve a service's pages, the shared static files and the service's own `web/static/` folder."""
    site = Site(service=service, title=title, description=description, pages=pages)
    app.state.web = site
    app.state.html_not_found = site.not_found
    app.mount(SHARED_STATIC_PREFIX, StaticFiles(directory=SHARED_STATIC), name="kk-static")
    if site.static_dir is not None and site.static_dir.is_dir():
        app.mount(SERVICE_STATIC_PREFIX, StaticFiles(directory=site.static_dir), name="svc-static")
    app.router.routes.extend(site.routes())
    return site
