/*
 * One kontrolsag for its caseworker: the person (shown because the case is opened; every read is audited by
 * the API), the underretning and journaling status, partshøring, the caseworker's decision with amounts per
 * benefit type (kroner on screen, øre in the API) and keyword search in the municipal notes.
 * An address that is a candidate not yet opened shows the API's 409 and the candidate's pseudonymised state,
 * with its data gathering (waiting for a register / incomplete) in the API's Danish words, and
 * "Indhent oplysninger igen" (POST /api/v1/candidates/{id}/gatherings) for a caseworker.
 */
(function () {
  "use strict";
  var el = KK.el;
  var caseId = KK.page.params.case_id;
  var base = "/api/v1/cases/" + encodeURIComponent(caseId);
  var candidateUrl = "/api/v1/candidates/" + encodeURIComponent(caseId);
  var current = null;
  var mayGather = false; // the role POST .../gatherings takes; the API still decides (403 in its words)

  function today(offsetDays) {
    var d = new Date(Date.now() + (offsetDays || 0) * 86400000);
    // The calendar day in Copenhagen, as YYYY-MM-DD.
    return new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Copenhagen" }).format(d);
  }

  /* ---------------------------------------------------------------- rendering */

  function renderPerson(c) {
    var box = KK.clear(document.querySelector("[data-person]"));
    box.appendChild(KT.facts([
      ["Navn", c.person.name || "Ukendt i CPR", { "data-person-name": "" }],
      ["CPR-nummer", KT.cprToggle(c.person.cpr)],
      ["Adresse", c.person.address || "Ukendt i CPR", { "data-person-address": "" }],
    ]));
  }

  function renderProcess(c) {
    var underretning = c.underretning_sent_at
      ? el("span", { "data-underretning": "sent" }, "Sendt i Digital Post " + KK.format.dateTime(c.underretning_sent_at))
      : el("span", { "data-underretning": "pending" }, "Sendes nu i Digital Post (tryk Opdatér om lidt)");
    var journal = c.journal_number
      ? el("span", { "data-journal": c.journal_number }, c.journal_number + " (" + KK.format.dateTime(c.journaled_at) + ")")
      : el("span", { "data-journal": "" }, "Journaliseres nu");
    var assessment = c.arm === "control"
      ? "Kontrolgruppe – udvalgt efter modtagelsesdato, ingen vurdering"
      : KT.percent(c.probability) + " sandsynlighed for samfundsbesparelse; forventet " + KK.format.money(c.expected_saving_ore);
    var box = KK.clear(document.querySelector("[data-process]"));
    box.appendChild(KT.facts([
      ["Åbnet", KK.format.dateTime(c.opened_at) + " af " + c.opened_by],
      ["Sagsbehandler", c.assigned_name || c.assigned_to],
      ["Underretning", underretning],
      ["Journalnummer", journal],
      ["Udvælgelse", KT.ARM[c.arm] || c.arm],
      ["Vurdering", assessment],
    ]));
  }

  function renderHearings(c) {
    var box = document.querySelector("[data-hearings]");
    KK.table(box, {
      caption: "Registrerede partshøringer",
      captionHidden: true,
      empty: "Der er ikke registreret nogen partshøring.",
      rows: c.hearings,
      rowAttrs: function (h) { return { "data-hearing-id": h.id }; },
      columns: [
        { label: "Sendt", value: function (h) { return KK.format.date(h.sent_on); } },
        { label: "Svarfrist", value: function (h) { return KK.format.date(h.response_deadline); } },
        { label: "Bemærkning", class: "cell--wrap", value: function (h) { return h.note || "–"; } },
      ],
    });
    document.querySelector('[data-kk-form="hearing"]').hidden = c.status === "afgjort";
  }

  function renderDecision(c) {
    var box = KK.clear(document.querySelector("[data-decision]"));
    var form = document.querySelector('[data-kk-form="decision"]');
    form.hidden = !!c.decision;
    if (!c.decision) {
      if (!c.hearings.length) {
        box.appendChild(el("p", { class: "message message--warning message--static" },
          "Der er ikke registreret partshøring. En afgørelse, der går borgeren imod, kræver partshøring først."));
      }
      return;
    }
    var d = c.decision;
    box.appendChild(KT.facts([
      ["Resultat", KT.OUTCOME[d.outcome] || d.outcome, { "data-decision-outcome": d.outcome }],
      ["Adresse rettet i CPR", d.cpr_corrected ? "Ja" : "Nej"],
      ["Afgjort", KK.format.date(d.decided_on) + " af " + d.decided_by],
      ["Begrundelse", d.summary || "–"],
      ["Samlet besparelse", el("span", { class: "total", "data-decision-total": d.total_ore }, KK.format.money(d.total_ore))],
    ]));
    if (d.amounts.length) {
      var holder = el("div");
      box.appendChild(holder);
      KK.table(holder, {
        caption: "Beløb pr. ydelsestype",
        rows: d.amounts,
        columns: [
          { label: "Ydelsestype", value: function (a) { return benefitLabel(a.benefit_type); } },
          { label: "Forvaltning", value: function (a) { return a.department || "–"; } },
          { label: "Tilbagebetalingskrav", value: function (a) { return KK.format.money(a.repayment_claim_ore); } },
          { label: "Fremadrettet besparelse (12 mdr.)", value: function (a) { return KK.format.money(a.forward_saving_12m_ore); } },
        ],
      });
    }
  }

  function benefitLabel(code) {
    var option = document.querySelector('[data-amount-template]').content.querySelector('option[value="' + code + '"]');
    return option ? option.textContent : code;
  }

  function render(c) {
    current = c;
    document.title = "Kontrolsag " + c.reference + " – " + document.title.split(" – ").slice(1).join(" – ");
    document.querySelector("[data-case-reference]").textContent = c.reference;
    var line = KK.clear(document.querySelector("[data-case-status-line]"));
    line.appendChild(KT.statusTag(c.status));
    line.appendChild(KT.armTag(c.arm));
    document.querySelector("[data-sheet-link]").setAttribute("href", "/sager/" + encodeURIComponent(caseId) + "/forklaringsark");
    renderPerson(c);
    renderProcess(c);
    renderHearings(c);
    renderDecision(c);
    document.querySelector("[data-case-body]").hidden = false;
  }

  var CANDIDATE_STATUS = {
    received: "Modtaget – oplysningerne er ikke indhentet og vurderet endnu",
    gathered: "Indhentet og vurderet",
    incomplete: "Ufuldstændig – en datakilde svarede ikke",
    dismissed: "Henlagt",
    expired: "Udløbet",
    opened: "Åbnet som kontrolsag", // reached when a colleague opens it while the page is shown
    closed: "Lukket",
  };

  // Statuses a new gathering can be ordered for (as the API's GATHERABLE); others are frozen or closed.
  var GATHERABLE = { received: true, gathered: true, incomplete: true };

  /** The candidate's status and where its data gathering stands (redrawn after "Indhent oplysninger igen"). */
  function candidateState(c) {
    var g = c.gathering || {};
    var warn = g.state === "waiting_for_source" || g.state === "incomplete";
    return el("div", { "data-candidate-state": c.status },
      KT.facts([
        ["Status", CANDIDATE_STATUS[c.status] || c.status, { "data-candidate-status": c.status }],
        ["Modtaget", KK.format.dateTime(c.received_at)],
        ["Udvælgelse", KT.ARM[c.arm] || c.arm],
      ]),
      el("h3", { class: "subheading" }, "Dataindsamling"),
      el("p", { class: warn ? "message message--warning message--static" : "", "data-gathering-state": g.state },
        g.message || ""),
      g.missing_sources && g.missing_sources.length
        ? el("ul", { "data-missing-sources": "" }, g.missing_sources.map(function (m) {
          return el("li", { "data-source": m.source }, el("strong", null, m.label), m.reason ? ": " + m.reason : "");
        }))
        : null);
  }

  /**
   * The address is a candidate not (yet) opened as a case: show what the caseworker may see of it without
   * opening it (GET /api/v1/candidates/{id}: pseudonymised, no person), above all where its data gathering
   * stands – waiting for a register, or incomplete – in the API's Danish words.
   */
  function renderCandidate(box, c) {
    var panel = el("section", { class: "panel", "aria-labelledby": "candidate-heading", "data-candidate": c.reference },
      el("h2", { id: "candidate-heading" }, "Kandidat " + c.reference),
      candidateState(c));
    if (mayGather && GATHERABLE[c.status]) {
      var button = el("button", { type: "button", class: "button button--secondary", id: "regather-button", "data-regather": "" },
        "Indhent oplysninger igen");
      var result = el("div", { "data-regather-result": "" });
      button.addEventListener("click", function () { regather(panel, button, result); });
      panel.appendChild(el("div", { class: "actions", "data-regather-actions": "" }, button));
      panel.appendChild(result);
    }
    box.appendChild(panel);
  }

  /** Redraw the candidate's state from the API; the button goes when no gathering can be ordered any more. */
  function refreshCandidate(panel) {
    return KK.api(candidateUrl).then(function (c) {
      panel.querySelector("[data-candidate-state]").replaceWith(candidateState(c));
      var actions = panel.querySelector("[data-regather-actions]");
      if (actions && !GATHERABLE[c.status]) actions.remove();
    });
  }

  function regather(panel, button, result) {
    if (button.getAttribute("aria-busy") === "true") return; // a double click sends one request
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    KK.clear(result);
    KK.api(candidateUrl + "/gatherings", { method: "POST" }).then(function () {
      return refreshCandidate(panel).catch(function () { /* it is ordered all the same */ }).then(function () {
        var text = "Der indhentes nye oplysninger om kandidaten. Kandidaten vurderes, når alle registre har svaret.";
        result.appendChild(el("p", { class: "result result--ok", "data-regather-queued": "" }, text));
        KK.status(text);
      });
    }, function (error) {
      if (error.status === 401) return; // KK.api has gone to the login page
      KT.showError(result, error);
      KK.alert(error.message);
      // Opened, dismissed or expired meanwhile: show the candidate as it stands now (the message stays).
      if (error.status === 409) return refreshCandidate(panel).catch(function () { /* the message says it */ });
    }).then(function () {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      // A disabled button drops the focus (to <main> or the page): give it back unless the user has moved on
      // to another control; to the heading when the button is gone.
      if (document.contains(button)) {
        var active = document.activeElement;
        if (!active || !active.matches("a[href], button, input, select, textarea")) button.focus();
        return;
      }
      var heading = document.getElementById("candidate-heading");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    });
  }

  function load() {
    return KK.api(base).then(render, function (error) {
      if (error.status === 401) return;
      var box = KK.clear(document.querySelector("[data-case-problem]"));
      box.appendChild(el("div", { class: "panel" },
        el("p", { class: "message message--warning message--static" }, error.message),
        el("p", null, el("a", { href: "/sager" }, "Gå til Mine sager"), " · ", el("a", { href: "/koe" }, "Gå til køen"))));
      document.querySelector("[data-case-body]").hidden = true;
      if (error.status === 409 && /case_not_opened$/.test(error.problem.type || "")) {
        return KK.api(candidateUrl).then(function (c) {
          renderCandidate(box, c);
        }, function () { /* the message above says what matters */ });
      }
    });
  }

  /* ---------------------------------------------------------------- amount rows */

  var rowsBox;
  var template;

  function renumber() {
    KK.all("[data-amount-row]", rowsBox).forEach(function (row, index) {
      KK.all("*", row).concat([row]).forEach(function (node) {
        ["id", "for", "name", "aria-describedby", "data-pointer", "href"].forEach(function (attr) {
          var value = node.getAttribute(attr);
          if (value) node.setAttribute(attr, value.replace(/(amounts[.\-/])(\d+|__i__)/g, "$1" + index));
        });
      });
      KK.all("[data-amount-number]", row).forEach(function (n) { n.textContent = String(index + 1); });
    });
  }

  function addRow(focus) {
    var row = template.content.firstElementChild.cloneNode(true);
    rowsBox.appendChild(row);
    row.querySelector("[data-amount-remove]").addEventListener("click", function () {
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      var target = next ? next.querySelector("select") : document.querySelector("[data-amount-add]");
      target.focus();
      KK.status("Ydelsen er fjernet.");
    });
    renumber();
    if (focus) row.querySelector("select").focus();
  }

  function isEmpty(row) {
    return KK.all("input, select", row).every(function (n) { return n.value.trim() === ""; });
  }

  function kroner(value) {
    return typeof value === "number" ? Math.round(value * 100) : value; // typed text goes to the API as typed
  }

  var decisionKey = KK.idempotencyKey(); // one key per intended decision, reused if the user retries

  function bindDecision() {
    rowsBox = document.querySelector("[data-amount-rows]");
    template = document.querySelector("[data-amount-template]");
    var form = document.querySelector('[data-kk-form="decision"]');
    var amounts = document.querySelector("[data-amounts]");
    addRow(false);
    document.querySelector("[data-amount-add]").addEventListener("click", function () { addRow(true); });
    form.querySelector('[name="decided_on"]').value = today();
    KK.all('[name="outcome"]', form).forEach(function (radio) {
      radio.addEventListener("change", function () {
        amounts.hidden = form.querySelector('[name="outcome"]:checked').value !== "samfundsbesparelse";
      });
    });
    KK.form.bind(form, function () {
      KK.all("[data-amount-row]", rowsBox).forEach(function (row) {
        if (isEmpty(row) && rowsBox.children.length > 1) row.remove();
      });
      renumber();
      var body = KK.form.collect(form).body;
      if (amounts.hidden) delete body.amounts;
      body.amounts = (body.amounts || []).filter(function (a) { return a && Object.keys(a).length; }).map(function (a) {
        a.repayment_claim_ore = kroner(a.repayment_claim_ore);
        a.forward_saving_12m_ore = kroner(a.forward_saving_12m_ore);
        return a;
      });
      if (body.cpr_corrected === undefined) body.cpr_corrected = false;
      return KK.api(base + "/decisions", { method: "POST", body: body, idempotencyKey: decisionKey }).then(function (c) {
        decisionKey = KK.idempotencyKey();
        render(c);
        KK.status("Afgørelsen er registreret: " + (KT.OUTCOME[c.decision.outcome] || c.decision.outcome) + ".");
        var heading = document.getElementById("decision-heading");
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      });
    });
  }

  /* ---------------------------------------------------------------- hearing and notes */

  function bindHearing() {
    var form = document.querySelector('[data-kk-form="hearing"]');
    var key = KK.idempotencyKey(); // one key per intended registration, reused if the user retries
    form.querySelector('[name="sent_on"]').value = today();
    form.querySelector('[name="response_deadline"]').value = today(14);
    KK.form.bind(form, function (data) {
      return KK.api(base + "/hearings", { method: "POST", body: data.body, idempotencyKey: key }).then(function () {
        key = KK.idempotencyKey();
        form.querySelector('[name="note"]').value = "";
        return load().then(function () { KK.status("Partshøringen er registreret."); });
      });
    });
  }

  /** ts_headline marks hits with <b>…</b>: turn them into <mark> without ever parsing the text as HTML. */
  function snippet(text) {
    var node = el("span", { class: "snippet" });
    var marked = false;
    String(text).split(/(<b>|<\/b>)/).forEach(function (part) {
      if (part === "<b>") { marked = true; return; }
      if (part === "</b>") { marked = false; return; }
      if (part) node.appendChild(marked ? el("mark", null, part) : document.createTextNode(part));
    });
    return node;
  }

  function bindNotes() {
    var form = document.querySelector('[data-kk-form="notes"]');
    KK.form.bind(form, function (data) {
      return KK.api("/api/v1/note-searches", { method: "POST", body: { query: data.body.query || "", case_id: caseId } })
        .then(function (result) {
          KK.table(document.querySelector("[data-notes]"), {
            caption: "Kommunalnotater, der matcher søgningen",
            empty: "Ingen notater i sagen matcher søgningen.",
            rows: result.items,
            columns: [
              { label: "Skrevet", value: function (n) { return KK.format.date(n.written_on); } },
              { label: "Enhed", value: function (n) { return n.author_unit; } },
              { label: "Notat", class: "cell--wrap", value: function (n) { return snippet(n.snippet); } },
            ],
          });
          KK.status("Søgningen gav " + result.items.length + " notater.");
        });
    });
  }

  KK.page.ready(function (user) {
    mayGather = KK.session.hasRole(user, ["sagsbehandler"]);
    bindHearing();
    bindDecision();
    bindNotes();
    document.querySelector("[data-case-refresh]").addEventListener("click", function () {
      load().then(function () { if (current) KK.status("Sagen er opdateret."); });
    });
    load();
  });
})();
