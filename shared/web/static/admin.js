/*
 * The admin page every service has: the audit log (list, filter, search on a citizen's CPR number sent in
 * the request body, hash-chain verification) and dead letters with "Send igen". All through the service's
 * own admin API (/api/v1/audit-events…, /api/v1/dead-letters…); the API checks the admin role.
 */
(function () {
  "use strict";
  var el = KK.el;
  var PAGE_SIZE = 50;

  var audit = { mode: "all", query: {}, cursor: null, rows: [] };

  function shortPseudonym(value) {
    return value ? el("code", { class: "code", title: "Pseudonym for borgeren" }, value.slice(0, 12) + "…") : "–";
  }

  function renderAudit() {
    KK.table(document.querySelector("[data-kk-audit-table]"), {
      caption: "Hændelser i revisionsloggen",
      captionHidden: true,
      empty: audit.mode === "citizen" ? "Der er ingen hændelser for borgeren." : "Der er ingen hændelser.",
      rows: audit.rows,
      rowAttrs: function (row) { return { "data-audit-id": row.id }; },
      columns: [
        { label: "Tidspunkt", value: function (r) { return el("time", { datetime: r.occurred_at }, KK.format.dateTime(r.occurred_at)); } },
        { label: "Tjeneste", value: function (r) { return r.service; } },
        { label: "Bruger", value: function (r) { return r.actor_sub; } },
        { label: "Rolle", value: function (r) { return (KK.config.role_labels || {})[r.actor_role] || r.actor_role; } },
        { label: "Handling", value: function (r) { return el("code", { class: "code" }, r.action); } },
        { label: "Formål", value: function (r) { return r.purpose; } },
        { label: "Borger", value: function (r) { return shortPseudonym(r.citizen_pseudonym); } },
        { label: "Objekt", value: function (r) { return r.object_type ? r.object_type + (r.object_id ? " " + r.object_id : "") : "–"; } },
      ],
    });
    var more = document.querySelector("[data-kk-audit-more]");
    more.hidden = !audit.cursor;
  }

  function setScope(text) {
    document.querySelector("[data-kk-audit-scope]").textContent = text;
  }

  function loadAll(append) {
    var query = Object.assign({ limit: PAGE_SIZE }, audit.query);
    if (append && audit.cursor) query.cursor = audit.cursor;
    return KK.api("/api/v1/audit-events", { query: query }).then(function (page) {
      audit.rows = append ? audit.rows.concat(page.items) : page.items;
      audit.cursor = page.next_cursor;
      audit.mode = "all";
      renderAudit();
    });
  }

  function bindAudit() {
    var search = document.querySelector('[data-kk-form="audit-search"]');
    KK.form.bind(search, function (data) {
      var body = { cpr: data.body.cpr || "", limit: 200 };
      return KK.api("/api/v1/audit-events/searches", { method: "POST", body: body }).then(function (page) {
        audit.rows = page.items;
        audit.cursor = null;
        audit.mode = "citizen";
        renderAudit();
        var masked = KK.format.cprMasked(body.cpr);
        setScope("Viser " + page.items.length + " hændelser for borgeren " + masked + ".");
        KK.status("Søgningen gav " + page.items.length + " hændelser.");
        search.reset();
      });
    });

    var filter = document.querySelector('[data-kk-form="audit-filter"]');
    KK.form.bind(filter, function (data) {
      audit.query = data.query;
      return loadAll(false).then(function () {
        var parts = [];
        if (data.query.actor_sub) parts.push("bruger " + data.query.actor_sub);
        if (data.query.action) parts.push("handling " + data.query.action);
        setScope(parts.length ? "Viser hændelser for " + parts.join(" og ") + "." : "Viser de nyeste hændelser.");
        KK.status("Listen er opdateret: " + audit.rows.length + " hændelser.");
      });
    });

    document.querySelector("[data-kk-audit-more]").addEventListener("click", function () {
      loadAll(true).catch(function (error) { KK.alert(error.message); });
    });

    var verify = document.querySelector("[data-kk-verify]");
    verify.addEventListener("click", function () {
      verify.disabled = true;
      var result = document.querySelector("[data-kk-verify-result]");
      KK.api("/api/v1/audit-events/verification")
        .then(function (outcome) {
          result.hidden = false;
          result.className = "result " + (outcome.valid ? "result--ok" : "result--error");
          result.textContent = outcome.valid
            ? "Revisionsloggen er intakt: " + KK.format.number(outcome.checked) + " forseglede hændelser er kontrolleret."
            : "Revisionsloggen er brudt ved hændelse " + outcome.broken_id + " (" +
              (outcome.reason === "record altered" ? "hændelsen er ændret" : "kæden er brudt") + ").";
          KK.status(result.textContent);
        })
        .catch(function (error) { KK.alert(error.message); })
        .then(function () { verify.disabled = false; });
    });
  }

  function renderDead(letters) {
    var open = letters.filter(function (l) { return !l.replayed_at; }).length;
    document.querySelector("[data-kk-dead-count]").textContent = letters.length
      ? open + " af " + letters.length + " fejlede hændelser venter på at blive sendt igen."
      : "Der er ingen fejlede hændelser.";
    KK.table(document.querySelector("[data-kk-dead-table]"), {
      caption: "Fejlede hændelser",
      captionHidden: true,
      empty: "Der er ingen fejlede hændelser.",
      rows: letters,
      rowAttrs: function (row) { return { "data-dead-letter-id": row.id }; },
      columns: [
        { label: "Hændelse", value: function (r) { return el("code", { class: "code" }, r.event_type); } },
        { label: "Modtager", value: function (r) { return r.consumer || "–"; } },
        { label: "Fejl", class: "cell--wrap", value: function (r) { return r.error; } },
        { label: "Forsøg", value: function (r) { return KK.format.number(r.attempts); } },
        { label: "Fejlede", value: function (r) { return el("time", { datetime: r.failed_at }, KK.format.dateTime(r.failed_at)); } },
        { label: "Status", value: function (r) { return statusCell(r); } },
      ],
    });
  }

  function statusCell(letter) {
    if (letter.replayed_at) {
      return el("span", { class: "tag tag--ok" }, "Sendt igen " + KK.format.dateTime(letter.replayed_at) + " af " + letter.replayed_by);
    }
    var button = el("button", { type: "button", class: "button button--small", "data-kk-replay": letter.id },
      "Send igen", el("span", { class: "visually-hidden" }, " (" + letter.event_type + ")"));
    button.addEventListener("click", function () {
      button.disabled = true;
      KK.api("/api/v1/dead-letters/" + encodeURIComponent(letter.id) + "/replays", { method: "POST" })
        .then(function () {
          KK.status("Hændelsen " + letter.event_type + " er sendt igen.");
          return loadDead();
        })
        .then(function () {
          // The button is gone after the refresh: keep keyboard focus on the same row's new status.
          var row = document.querySelector('[data-dead-letter-id="' + letter.id + '"] .tag');
          if (row) { row.setAttribute("tabindex", "-1"); row.focus(); }
        })
        .catch(function (error) { button.disabled = false; KK.alert(error.message); });
    });
    return button;
  }

  function loadDead() {
    return KK.api("/api/v1/dead-letters", { query: { limit: 200 } }).then(renderDead);
  }

  KK.page.ready(function () {
    bindAudit();
    document.querySelector("[data-kk-dead-refresh]").addEventListener("click", function () {
      loadDead().then(function () { KK.status("Listen over fejlede hændelser er opdateret."); })
        .catch(function (error) { KK.alert(error.message); });
    });
    Promise.all([loadAll(false), loadDead()]).catch(function (error) { KK.alert(error.message); });
  });
})();
