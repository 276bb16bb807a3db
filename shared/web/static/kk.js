/*
 * kk.js – the small helper every page of every service uses (plain JavaScript, no build step).
 *
 *   KK.api(path, options)        call the service's own JSON API with the user's bearer token
 *   KK.Problem                   the error KK.api throws for a problem+json answer
 *   KK.form.bind(form, handler)  submit a form as JSON; show problem+json field errors next to fields
 *   KK.form.live(form, check)    live validation through the API while the user types
 *   KK.status(text) / KK.alert(text)   polite / assertive live-region messages
 *   KK.session                   the logged-in user (token in sessionStorage, never in a URL)
 *   KK.page.ready(fn)            run page code once the user is logged in with a permitted role
 *   KK.el, KK.table, KK.format   safe DOM building (no innerHTML with data), tables, Danish formatting
 */
(function () {
  "use strict";

  var SESSION_KEY = "kk.session";
  var NEXT_KEY = "kk.next";
  var FLASH_KEY = "kk.flash";

  function readConfig() {
    var node = document.getElementById("kk-config");
    try {
      return node ? JSON.parse(node.textContent || "{}") : {};
    } catch (e) {
      return {};
    }
  }

  var config = readConfig();
  var loginPath = config.login_path || "/log-ind";

  /* ---------------------------------------------------------------- DOM helpers */

  /** Create an element: KK.el("a", {href: "/x", class: "link"}, "text", otherNode). Text is never parsed as HTML. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = value;
        else if (key.slice(0, 2) === "on" && typeof value === "function") node.addEventListener(key.slice(2), value);
        else if (key === "dataset") Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(parent, c); });
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  /* ---------------------------------------------------------------- formatting (Danish, Europe/Copenhagen) */

  var dateTimeFormat = new Intl.DateTimeFormat("da-DK", {
    timeZone: "Europe/Copenhagen", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
  var dateFormat = new Intl.DateTimeFormat("da-DK", {
    timeZone: "Europe/Copenhagen", day: "numeric", month: "long", year: "numeric",
  });
  var numberFormat = new Intl.NumberFormat("da-DK");
  var moneyFormat = new Intl.NumberFormat("da-DK", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  var format = {
    /** "3. feb. 2026 14.05" in Copenhagen time, from an ISO 8601 timestamp. */
    dateTime: function (iso) { return iso ? dateTimeFormat.format(new Date(iso)) : ""; },
    /** "3. februar 2026". A plain date ("2026-02-03") is taken as that calendar day. */
    date: function (iso) {
      if (!iso) return "";
      var value = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(iso + "T12:00:00Z") : new Date(iso);
      return dateFormat.format(value);
    },
    /** "5.432,10 kr." from an integer number of øre. */
    money: function (ore) { return ore === null || ore === undefined ? "" : moneyFormat.format(ore / 100) + " kr."; },
    number: function (n) { return n === null || n === undefined ? "" : numberFormat.format(n); },
    /** "010190-****": never show a whole CPR number unless the role needs it. */
    cprMasked: function (cpr) {
      var digits = String(cpr || "").replace(/\D/g, "");
      return digits.length === 10 ? digits.slice(0, 6) + "-****" : "";
    },
  };

  /* ---------------------------------------------------------------- live regions */

  function region(id) { return document.getElementById(id); }

  function say(id, text) {
    var node = region(id);
    if (!node) return;
    // Empty first so the same message twice is announced again.
    node.textContent = "";
    window.setTimeout(function () { node.textContent = text || ""; }, 30);
  }

  /** A polite status message ("Gemt", "Hændelsen er sendt igen"). */
  function status(text) { say("kk-alert", ""); say("kk-status", text); }

  /** An assertive error message. */
  function alertMessage(text) { say("kk-status", ""); say("kk-alert", text); }

  function clearMessages() {
    ["kk-status", "kk-alert"].forEach(function (id) { var n = region(id); if (n) n.textContent = ""; });
  }

  /** A message shown on the next page (after a redirect), e.g. "Du er logget ud." */
  function flash(text) { try { sessionStorage.setItem(FLASH_KEY, text); } catch (e) { /* storage off */ } }

  function showFlash() {
    var text = null;
    try { text = sessionStorage.getItem(FLASH_KEY); sessionStorage.removeItem(FLASH_KEY); } catch (e) { return; }
    if (text) status(text);
  }

  /* ---------------------------------------------------------------- session */

  var session = {
    /** The logged-in user {token, sub, name, roles, expiresAt}, or null when absent or expired. */
    get: function () {
      var raw = null;
      try { raw = sessionStorage.getItem(SESSION_KEY); } catch (e) { return null; }
      if (!raw) return null;
      try {
        var value = JSON.parse(raw);
        if (!value.token || !value.expiresAt || value.expiresAt <= Date.now()) { session.clear(); return null; }
        return value;
      } catch (e) { session.clear(); return null; }
    },
    set: function (value) { sessionStorage.setItem(SESSION_KEY, JSON.stringify(value)); },
    clear: function () { try { sessionStorage.removeItem(SESSION_KEY); } catch (e) { /* storage off */ } },
    /** True when the user holds one of the roles (or the list is empty). */
    hasRole: function (user, roles) {
      if (!roles || roles.length === 0) return true;
      return !!user && user.roles.some(function (r) { return roles.indexOf(r) !== -1; });
    },
    roleLabel: function (user) {
      var labels = config.role_labels || {};
      return (user && user.roles || []).map(function (r) { return labels[r] || r; }).join(", ");
    },
  };

  /** Remember where to come back to (a local path; kept in sessionStorage, not in the URL) and go to login. */
  function toLogin(message) {
    try {
      if (location.pathname !== loginPath) sessionStorage.setItem(NEXT_KEY, location.pathname);
    } catch (e) { /* storage off */ }
    if (message) flash(message);
    location.assign(loginPath);
  }

  /** Where to go after logging in: the remembered local path, or the start page. */
  function takeNext() {
    var next = null;
    try { next = sessionStorage.getItem(NEXT_KEY); sessionStorage.removeItem(NEXT_KEY); } catch (e) { return "/"; }
    // Only a path on this site (no "//host", no scheme) – never an open redirect.
    return next && next.charAt(0) === "/" && next.charAt(1) !== "/" && next.charAt(1) !== "\\" ? next : "/";
  }

  function logout() {
    session.clear();
    flash("Du er logget ud.");
    location.assign(loginPath);
  }

  /* ---------------------------------------------------------------- API */

  /** The error KK.api throws: `status`, `problem` (the problem+json body), `errors` (field errors). */
  function Problem(status, problem) {
    var body = problem && typeof problem === "object" ? problem : {};
    this.name = "Problem";
    this.status = status;
    this.problem = body;
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    this.message = body.detail || body.title || "Der opstod en fejl (" + status + ").";
  }
  Problem.prototype = Object.create(Error.prototype);
  Problem.prototype.constructor = Problem;

  /**
   * Call the service's own API. Options: method, body (object → JSON, FormData as is), query (object),
   * headers, idempotencyKey, ifMatch, auth (default true), full (return {data, status, headers}).
   * Throws KK.Problem for a non-2xx answer; a 401 ends the session and goes to the login page.
   */
  function api(path, options) {
    var opts = options || {};
    var url = new URL(path, location.origin);
    if (url.origin !== location.origin) return Promise.reject(new Error("KK.api calls only its own service"));
    if (opts.query) {
      Object.keys(opts.query).forEach(function (key) {
        var value = opts.query[key];
        if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, String(value));
      });
    }
    var headers = { Accept: "application/json, application/problem+json" };
    Object.keys(opts.headers || {}).forEach(function (k) { headers[k] = opts.headers[k]; });
    var body;
    if (opts.body instanceof FormData) body = opts.body;
    else if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers["Content-Type"] = "application/json"; }
    if (opts.idempotencyKey) headers["Idempotency-Key"] = opts.idempotencyKey;
    if (opts.ifMatch) headers["If-Match"] = opts.ifMatch;
    if (opts.auth !== false) {
      var user = session.get();
      if (!user) { toLogin("Log ind for at fortsætte."); return Promise.reject(new Problem(401, {})); }
      headers.Authorization = "Bearer " + user.token;
    }
    return fetch(url.toString(), {
      method: opts.method || (body === undefined ? "GET" : "POST"),
      headers: headers,
      body: body,
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      var parse = response.status === 204 ? Promise.resolve(null)
        : type.indexOf("json") !== -1 ? response.json().catch(function () { return null; })
        : response.text();
      return parse.then(function (data) {
        if (response.status === 401 && opts.auth !== false) {
          session.clear();
          toLogin("Din session er udløbet. Log ind igen.");
        }
        if (!response.ok) throw new Problem(response.status, data);
        return opts.full ? { data: data, status: response.status, headers: response.headers } : data;
      });
    }, function () {
      throw new Problem(0, { detail: "Der er ingen forbindelse til tjenesten. Tjek din forbindelse, og prøv igen." });
    });
  }

  /** A fresh key for the Idempotency-Key header (keep it for retries of the same action). */
  function idempotencyKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  /* ---------------------------------------------------------------- forms */

  /** The JSON pointer of a field: data-pointer, or "/" + name with dots as slashes. */
  function pointerOf(node) {
    var explicit = node.getAttribute("data-pointer");
    if (explicit) return explicit;
    var name = node.getAttribute("name");
    return name ? "/" + name.split(".").map(function (p) { return p.replace(/~/g, "~0").replace(/\//g, "~1"); }).join("/") : null;
  }

  function unescapePart(part) { return part.replace(/~1/g, "/").replace(/~0/g, "~"); }

  function convert(node, raw) {
    var type = node.getAttribute("data-type");
    if (type === "boolean") {
      if (node.type === "checkbox") return node.checked;
      return raw === "true" ? true : raw === "false" ? false : raw;
    }
    if (raw === "") {
      var empty = node.getAttribute("data-empty");
      return empty === "null" ? null : empty === "keep" ? "" : undefined;
    }
    if (type === "integer") return /^-?\d+$/.test(raw.trim()) ? parseInt(raw, 10) : raw;
    if (type === "number") {
      var normalised = raw.trim().replace(/\./g, "").replace(",", ".");
      return normalised !== "" && !isNaN(Number(normalised)) ? Number(normalised) : raw;
    }
    return raw;
  }

  function setPointer(target, pointer, value) {
    var parts = pointer.split("/").slice(1).map(unescapePart);
    var node = target;
    for (var i = 0; i < parts.length - 1; i++) {
      var key = parts[i];
      if (node[key] === undefined || node[key] === null) node[key] = /^\d+$/.test(parts[i + 1]) ? [] : {};
      node = node[key];
    }
    node[parts[parts.length - 1]] = value;
  }

  /**
   * Read a form into {body, query}: `body` is the JSON request body built from field pointers,
   * `query` holds fields whose pointer starts with /query/. Values are sent as typed; the API validates them.
   */
  function collect(form) {
    var body = {};
    var query = {};
    all("input, select, textarea", form).forEach(function (node) {
      if (!node.name || node.disabled || node.type === "submit" || node.type === "button" || node.type === "file") return;
      if (node.type === "radio" && !node.checked) return;
      if (node.type === "checkbox" && node.getAttribute("data-type") !== "boolean" && !node.checked) return;
      var pointer = pointerOf(node);
      if (!pointer) return;
      var value;
      if (node.tagName === "SELECT" && node.multiple) {
        value = Array.prototype.filter.call(node.options, function (o) { return o.selected; })
          .map(function (o) { return convert(node, o.value); });
      } else {
        value = convert(node, node.value);
      }
      if (value === undefined) return;
      if (pointer.indexOf("/query/") === 0) { query[pointer.slice(7)] = value; return; }
      if (node.type === "checkbox" && node.getAttribute("data-type") === "list") {
        var existing = body;
        var parts = pointer.split("/").slice(1).map(unescapePart);
        for (var i = 0; i < parts.length && existing; i++) existing = existing[parts[i]];
        setPointer(body, pointer, (Array.isArray(existing) ? existing : []).concat([value]));
        return;
      }
      setPointer(body, pointer, value);
    });
    return { body: body, query: query };
  }

  /** The field container for a pointer: exact match first, then the nearest parent pointer. */
  function fieldFor(form, pointer) {
    var candidates = all("[data-kk-field]", form);
    var probe = pointer;
    while (probe) {
      for (var i = 0; i < candidates.length; i++) {
        var box = candidates[i];
        var own = box.hasAttribute("data-pointer") ? [box] : all("[name], [data-pointer]", box);
        for (var j = 0; j < own.length; j++) {
          if (pointerOf(own[j]) === probe) return box;
        }
      }
      var cut = probe.lastIndexOf("/");
      probe = cut > 0 ? probe.slice(0, cut) : "";
    }
    return null;
  }

  function controlsOf(box) {
    return box.matches("input, select, textarea") ? [box] : all("input, select, textarea", box);
  }

  function clearErrors(form, onlyBox) {
    var boxes = onlyBox ? [onlyBox] : all("[data-kk-field]", form);
    boxes.forEach(function (box) {
      box.classList.remove("field--error");
      var message = box.querySelector("[data-kk-error]");
      if (message) { message.textContent = ""; message.hidden = true; }
      controlsOf(box).forEach(function (c) { c.removeAttribute("aria-invalid"); });
      if (box.tagName === "FIELDSET") box.removeAttribute("aria-invalid");
    });
    if (!onlyBox) {
      var summary = form.querySelector("[data-kk-error-summary]");
      if (summary) { summary.hidden = true; clear(summary.querySelector("[data-kk-error-list]")); }
    }
  }

  function markField(box, messages) {
    box.classList.add("field--error");
    var message = box.querySelector("[data-kk-error]");
    if (message) {
      clear(message);
      append(message, el("span", { class: "visually-hidden" }, "Fejl: "));
      append(message, messages.join(" "));
      message.hidden = false;
    }
    controlsOf(box).forEach(function (c) { if (c.type !== "radio" && c.type !== "checkbox") c.setAttribute("aria-invalid", "true"); });
    if (box.tagName === "FIELDSET") box.setAttribute("aria-invalid", "true");
  }

  function focusTarget(box) {
    var control = controlsOf(box)[0];
    return control || box;
  }

  /**
   * Show a KK.Problem on a form: each `errors[]` message next to its field, an error summary with links,
   * and the problem's `detail` in the alert region. Returns the number of field errors placed.
   */
  function showProblem(form, problem, options) {
    var opts = options || {};
    clearErrors(form);
    var byBox = new Map();
    var unplaced = [];
    (problem.errors || []).forEach(function (error) {
      var box = error.field ? fieldFor(form, error.field) : null;
      if (!box) { unplaced.push(error.message); return; }
      if (!byBox.has(box)) byBox.set(box, []);
      byBox.get(box).push(error.message);
    });
    byBox.forEach(function (messages, box) { markField(box, messages); });

    var summary = form.querySelector("[data-kk-error-summary]");
    if (summary && (byBox.size || unplaced.length || problem.status >= 400)) {
      var list = clear(summary.querySelector("[data-kk-error-list]"));
      byBox.forEach(function (messages, box) {
        var target = focusTarget(box);
        var label = box.querySelector(".field__label");
        var name = label ? label.textContent.replace("(valgfrit)", "").trim() : "";
        var link = el("a", { href: "#" + target.id }, (name ? name + ": " : "") + messages.join(" "));
        link.addEventListener("click", function (event) { event.preventDefault(); target.focus(); });
        list.appendChild(el("li", null, link));
      });
      unplaced.forEach(function (message) { list.appendChild(el("li", null, message)); });
      if (!byBox.size && !unplaced.length) list.appendChild(el("li", null, problem.message));
      summary.hidden = false;
      if (opts.focus !== false) summary.focus();
    } else if (opts.focus !== false && byBox.size) {
      focusTarget(byBox.keys().next().value).focus();
    }
    if (opts.announce !== false) alertMessage(problem.message);
    return byBox.size;
  }

  function setBusy(form, busy) {
    form.setAttribute("aria-busy", busy ? "true" : "false");
    all("button[type=submit], input[type=submit]", form).forEach(function (b) { b.disabled = busy; });
  }

  /**
   * Submit a form through the API: handler({body, query}, form, submitter) returns a promise.
   * A KK.Problem it throws is shown on the form; other errors become a general message.
   */
  function bind(form, handler) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.getAttribute("aria-busy") === "true") return;
      clearErrors(form);
      clearMessages();
      setBusy(form, true);
      var data = collect(form);
      Promise.resolve()
        .then(function () { return handler(data, form, event.submitter || null); })
        .catch(function (error) {
          if (error instanceof Problem) {
            if (error.status !== 401) showProblem(form, error);
          } else {
            alertMessage("Der opstod en uventet fejl. Prøv igen.");
            if (window.console) console.error(error);
          }
        })
        .then(function () { setBusy(form, false); });
    });
  }

  /**
   * Live validation: after the user changes a field, call check({body, query}) (which calls the API and
   * rejects with a KK.Problem, or resolves when valid) and show the messages of the fields touched so far.
   */
  function live(form, check, options) {
    var delay = (options && options.delay) || 400;
    var touched = new Set();
    var timer = null;
    var generation = 0;
    function run() {
      var mine = ++generation;
      Promise.resolve(check(collect(form))).then(function () {
        if (mine === generation) all("[data-kk-field]", form).forEach(function (b) { if (touched.has(b)) clearErrors(form, b); });
      }, function (error) {
        if (mine !== generation || !(error instanceof Problem)) return;
        var shown = new Map();
        error.errors.forEach(function (e) {
          var box = e.field ? fieldFor(form, e.field) : null;
          if (box && touched.has(box)) {
            if (!shown.has(box)) shown.set(box, []);
            shown.get(box).push(e.message);
          }
        });
        touched.forEach(function (box) { if (!shown.has(box)) clearErrors(form, box); });
        shown.forEach(function (messages, box) { markField(box, messages); });
      });
    }
    function onChange(event) {
      var box = event.target.closest && event.target.closest("[data-kk-field]");
      if (!box || !form.contains(box)) return;
      touched.add(box);
      window.clearTimeout(timer);
      timer = window.setTimeout(run, event.type === "change" ? 0 : delay);
    }
    form.addEventListener("input", onChange);
    form.addEventListener("change", onChange);
    return { validate: run, touchAll: function () { all("[data-kk-field]", form).forEach(function (b) { touched.add(b); }); } };
  }

  /* ---------------------------------------------------------------- tables */

  /**
   * Render a table into a container: columns = [{label, value(row) → text|Node, class}].
   * Cells carry data-label so the table becomes a list of cards on a phone.
   */
  function table(container, spec) {
    clear(container);
    if (!spec.rows || spec.rows.length === 0) {
      container.appendChild(el("p", { class: "empty" }, spec.empty || "Der er intet at vise."));
      return null;
    }
    var head = el("tr", null, spec.columns.map(function (c) { return el("th", { scope: "col", class: c.class }, c.label); }));
    var body = el("tbody", null, spec.rows.map(function (row) {
      return el("tr", spec.rowAttrs ? spec.rowAttrs(row) : null, spec.columns.map(function (c, index) {
        var cell = el(index === 0 && spec.rowHeader ? "th" : "td", { "data-label": c.label, class: c.class }, c.value(row));
        if (index === 0 && spec.rowHeader) cell.setAttribute("scope", "row");
        return cell;
      }));
    }));
    var node = el("table", { class: "table table--responsive" },
      spec.caption ? el("caption", { class: spec.captionHidden ? "visually-hidden" : "table__caption" }, spec.caption) : null,
      el("thead", null, head), body);
    container.appendChild(el("div", { class: "table-wrap" }, node));
    return node;
  }

  /* ---------------------------------------------------------------- page start-up */

  var readyHandlers = [];
  var started = false;
  var currentUser = null;

  /** Run fn(user) when the page may show its content (logged in with a permitted role, or a public page). */
  function ready(fn) {
    if (started) { fn(currentUser); return; }
    readyHandlers.push(fn);
  }

  function renderSession(user) {
    all("[data-kk-user-name]").forEach(function (n) { n.textContent = user ? user.name : ""; });
    all("[data-kk-user-role]").forEach(function (n) { n.textContent = user ? session.roleLabel(user) : ""; });
    all("[data-kk-user]").forEach(function (n) { n.hidden = !user; });
    all("[data-kk-logout]").forEach(function (n) { n.hidden = !user; });
    all("[data-kk-login-link]").forEach(function (n) { n.hidden = !!user; });
    all("[data-kk-when-logged-out]").forEach(function (n) { n.hidden = !!user; });
    all("[data-kk-when-logged-in]").forEach(function (n) { n.hidden = !user; });
    // Menu items and start-page cards for other roles are hidden once we know who you are.
    all(".site-nav__item[data-roles]").forEach(function (n) {
      var roles = (n.getAttribute("data-roles") || "").split(" ").filter(Boolean);
      n.hidden = !!user && !session.hasRole(user, roles);
    });
    all(".card[data-roles]").forEach(function (n) {
      var roles = (n.getAttribute("data-roles") || "").split(" ").filter(Boolean);
      var yours = !!user && roles.length > 0 && session.hasRole(user, roles);
      n.classList.toggle("card--yours", yours);
      var tag = n.querySelector("[data-kk-yours]");
      if (tag) tag.hidden = !yours;
    });
  }

  function start() {
    var page = config.page || { roles: [], login: false };
    var user = session.get();
    currentUser = user;
    renderSession(user);
    all("[data-kk-logout]").forEach(function (b) { b.addEventListener("click", logout); });
    all("[data-kk-switch-user]").forEach(function (a) {
      a.addEventListener("click", function () { session.clear(); });
    });
    showFlash();
    if (page.login) {
      if (!user) { toLogin("Log ind for at se siden."); return; }
      if (!session.hasRole(user, page.roles)) {
        all("[data-kk-gate-forbidden]").forEach(function (n) { n.hidden = false; });
        return;
      }
      all("[data-kk-protected]").forEach(function (n) { n.hidden = false; });
    }
    started = true;
    readyHandlers.splice(0).forEach(function (fn) {
      try { fn(user); } catch (error) {
        alertMessage("Siden kunne ikke starte. Genindlæs siden, og prøv igen.");
        if (window.console) console.error(error);
      }
    });
  }

  window.KK = {
    config: config,
    api: api,
    Problem: Problem,
    idempotencyKey: idempotencyKey,
    status: status,
    alert: alertMessage,
    clearMessages: clearMessages,
    flash: flash,
    session: session,
    toLogin: toLogin,
    takeNext: takeNext,
    logout: logout,
    renderSession: renderSession,
    form: { bind: bind, live: live, collect: collect, showProblem: showProblem, clearErrors: clearErrors, pointerOf: pointerOf },
    page: { ready: ready, params: config.params || {} },
    el: el,
    clear: clear,
    all: all,
    table: table,
    format: format,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
