/*
 * The "Log ind" page.
 *
 * OIDC (when OIDC_ISSUER_URL is set): "Log ind" sends the browser to the provider (MitID for citizens,
 * the municipality's SSO for staff; locally the MitID-simulator) with an authorisation-code request and
 * PKCE S256. code_verifier, state and nonce stay in sessionStorage; only the standard parameters travel
 * in URLs. Back on this page with ?code=&state=, the address is cleaned at once, state is checked, the
 * code is exchanged at the token endpoint with the verifier, the ID token's iss/aud/nonce are checked,
 * and the access token is kept exactly like a demo login's.
 *
 * Demo users (when the dev issuer is on): lists them and gets a token from POST /api/v1/dev/tokens.
 *
 * Either way the user lands on the page they asked for (KK.takeNext: a local path from sessionStorage).
 */
(function () {
  "use strict";
  var el = KK.el;
  var OIDC_KEY = "kk.oidc";
  var oidc = KK.config.oidc || null;

  function showCurrent(user) {
    var box = document.querySelector("[data-kk-current-session]");
    if (!box) return;
    box.hidden = !user;
  }

  function busy(button, on) {
    if (!button) return;
    button.disabled = on;
    if (on) button.setAttribute("aria-busy", "true");
    else button.removeAttribute("aria-busy");
  }

  /** Keep the session like every login does, and go back to the page the user asked for. */
  function finish(user) {
    KK.session.set(user);
    KK.flash("Du er logget ind som " + user.name + ".");
    location.assign(KK.takeNext());
  }

  /* ---------------------------------------------------------------- demo users (dev issuer) */

  function login(user, button) {
    busy(button, true);
    return KK.api("/api/v1/dev/tokens", { method: "POST", body: { user: user.sub }, auth: false })
      .then(function (token) {
        finish({
          token: token.access_token,
          sub: user.sub,
          name: user.name,
          roles: token.roles,
          expiresAt: Date.now() + (token.expires_in - 30) * 1000,
        });
      })
      .catch(function (error) {
        busy(button, false);
        KK.alert(error.message || "Du kunne ikke logges ind. Prøv igen.");
      });
  }

  function userButton(user) {
    var labels = KK.config.role_labels || {};
    var roleText = user.roles.map(function (r) { return labels[r] || r; }).join(", ");
    var button = el("button", { type: "button", class: "user-choice", "data-sub": user.sub },
      el("span", { class: "user-choice__name" }, user.name),
      el("span", { class: "user-choice__role" }, roleText));
    button.addEventListener("click", function () { login(user, button); });
    return el("li", null, button);
  }

  function listDemoUsers() {
    var loading = document.querySelector("[data-kk-users-loading]");
    KK.api("/api/v1/dev/users", { auth: false })
      .then(function (users) {
        var serviceRoles = KK.config.service_roles || [];
        var people = users.filter(function (u) { return u.roles.indexOf("system") === -1; });
        var primary = people.filter(function (u) { return u.roles.some(function (r) { return serviceRoles.indexOf(r) !== -1; }); });
        var other = people.filter(function (u) { return primary.indexOf(u) === -1; });
        var primaryList = document.querySelector("[data-kk-users-primary]");
        var otherList = document.querySelector("[data-kk-users-other]");
        primary.forEach(function (u) { primaryList.appendChild(userButton(u)); });
        other.forEach(function (u) { otherList.appendChild(userButton(u)); });
        document.querySelector("[data-kk-users-other-wrap]").hidden = other.length === 0;
        document.querySelector("[data-kk-users]").hidden = false;
      })
      .catch(function () {
        // With an OIDC provider the demo users are only an extra; without one, say why nobody can log in.
        if (oidc) document.querySelector("[data-kk-demo]").hidden = true;
        else document.querySelector("[data-kk-users-unavailable]").hidden = false;
      })
      .then(function () { if (loading) loading.hidden = true; });
  }

  /* ---------------------------------------------------------------- OIDC: authorisation code + PKCE */

  function base64url(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function randomString(size) {
    var bytes = new Uint8Array(size);
    crypto.getRandomValues(bytes);
    return base64url(bytes);
  }

  function s256(verifier) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))
      .then(function (digest) { return base64url(new Uint8Array(digest)); });
  }

  function redirectUri() { return location.origin + (KK.config.login_path || "/log-ind"); }

  function fetchJson(url, options) {
    var opts = options || {};
    opts.credentials = "omit";
    opts.cache = "no-store";
    opts.redirect = "error";
    opts.headers = { Accept: "application/json" };
    return fetch(url, opts).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) { var error = new Error("HTTP " + response.status); error.data = data; throw error; }
        return data;
      });
    });
  }

  /** The provider's metadata; its issuer must be exactly the configured one. */
  function discover() {
    return fetchJson(oidc.issuer + "/.well-known/openid-configuration").then(function (doc) {
      if (!doc || doc.issuer !== oidc.issuer) throw new Error("issuer mismatch");
      if ((doc.code_challenge_methods_supported || []).indexOf("S256") === -1) throw new Error("no PKCE S256");
      return doc;
    });
  }

  function startOidc(button) {
    busy(button, true);
    KK.clearMessages();
    discover()
      .then(function (doc) {
        var verifier = randomString(32);
        var pending = {
          verifier: verifier,
          state: randomString(16),
          nonce: randomString(16),
          issuer: doc.issuer,
          tokenEndpoint: doc.token_endpoint,
          redirectUri: redirectUri(),
        };
        return s256(verifier).then(function (challenge) {
          sessionStorage.setItem(OIDC_KEY, JSON.stringify(pending));
          var url = new URL(doc.authorization_endpoint);
          var params = {
            response_type: "code",
            client_id: oidc.client_id,
            redirect_uri: pending.redirectUri,
            scope: "openid " + oidc.audience,
            state: pending.state,
            nonce: pending.nonce,
            code_challenge: challenge,
            code_challenge_method: "S256",
          };
          Object.keys(params).forEach(function (k) { url.searchParams.set(k, params[k]); });
          location.assign(url.toString());
        });
      })
      .catch(function () {
        busy(button, false);
        KK.alert("Login-tjenesten svarer ikke. Prøv igen om lidt.");
      });
  }

  /** The claims of the ID token the token endpoint just gave us over TLS (OIDC Core §3.1.3.7). */
  function idTokenClaims(idToken) {
    var part = String(idToken || "").split(".")[1];
    if (!part) return null;
    var binary = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  function takePending() {
    var pending = null;
    try {
      pending = JSON.parse(sessionStorage.getItem(OIDC_KEY) || "null");
      sessionStorage.removeItem(OIDC_KEY);  // one answer per request: a replayed callback finds nothing
    } catch (e) { pending = null; }
    return pending;
  }

  /** Back from the provider: ?code=&state= (or ?error=). Returns true when this was such an answer. */
  function handleCallback() {
    var query = new URLSearchParams(location.search);
    if (!query.has("code") && !query.has("error")) return false;
    history.replaceState(null, "", location.pathname);  // the code leaves the address bar and the history
    var pending = takePending();
    var failed = function (message) {
      document.querySelector("[data-kk-oidc-busy]").hidden = true;
      KK.alert(message);
      listDemoUsers();
    };
    if (!pending || !query.get("state") || query.get("state") !== pending.state
        || (query.has("iss") && query.get("iss") !== pending.issuer)) {
      failed("Svaret fra login kunne ikke bekræftes. Start login forfra.");
      return true;
    }
    if (query.has("error")) {
      failed(query.get("error") === "access_denied" ? "Du afbrød login. Du er ikke logget ind." : "Login mislykkedes. Prøv igen.");
      return true;
    }
    document.querySelector("[data-kk-oidc-busy]").hidden = false;
    busy(document.querySelector("[data-kk-oidc-login]"), true);
    var body = new URLSearchParams({
      grant_type: "authorization_code",
      code: query.get("code"),
      redirect_uri: pending.redirectUri,
      client_id: oidc.client_id,
      code_verifier: pending.verifier,
    });
    fetchJson(pending.tokenEndpoint, { method: "POST", body: body })
      .then(function (tokens) {
        var claims = idTokenClaims(tokens.id_token);
        var audience = claims && (Array.isArray(claims.aud) ? claims.aud : [claims.aud]);
        if (!claims || claims.iss !== pending.issuer || audience.indexOf(oidc.client_id) === -1
            || claims.nonce !== pending.nonce || !tokens.access_token) {
          throw new Error("ID token not for this login");
        }
        finish({
          token: tokens.access_token,
          sub: claims.sub,
          name: claims.name || claims.sub,
          roles: claims.roles || [],
          expiresAt: Date.now() + (tokens.expires_in - 30) * 1000,
        });
      })
      .catch(function () {
        busy(document.querySelector("[data-kk-oidc-login]"), false);
        failed("Du kunne ikke logges ind. Prøv igen.");
      });
    return true;
  }

  KK.page.ready(function (user) {
    showCurrent(user);
    if (oidc) {
      var button = document.querySelector("[data-kk-oidc-login]");
      button.addEventListener("click", function () { startOidc(button); });
      if (handleCallback()) return;
    }
    listDemoUsers();
  });
})();
