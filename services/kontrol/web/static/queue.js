/*
 * The caseworker's prioritised, pseudonymised queue (GET /api/v1/queue, /api/v1/queue/summary) and
 * "Åbn sag": a confirmation dialog that says the citizen will be notified, then POST .../openings.
 * "Henlæg": a dialog with the reason (fixed list) and a note, then POST /api/v1/candidates/{id}/dismissals.
 * "Dataindsamling": how many candidates wait for a register or are incomplete (counts only, from queue/summary).
 * The queue API carries no CPR number, name or address; the case page fetches them after opening.
 */
(function () {
  "use strict";
  var el = KK.el;
  var PAGE_SIZE = 20;
  var state = { rows: [], cursor: null, criteria: {} };
  var dialog = { node: null, form: null, candidate: null, trigger: null, key: null };
  var dismissal = { node: null, form: null, candidate: null, trigger: null, key: null };

  function sum(values) {
    return Object.keys(values || {}).reduce(function (total, k) { return total + (values[k] || 0); }, 0);
  }

  function renderCapacity(summary) {
    var released = sum(summary.released);
    var waiting = Math.max(sum(summary.waiting) - released, 0);
    var capacity = sum(summary.capacity);
    var opened = sum(summary.opened_this_period);
    var periodName = summary.period === "month" ? "måned" : "uge";
    document.querySelector("[data-capacity-period]").textContent =
      "Perioden er en " + periodName + ", som begyndte " + KK.format.date(summary.period_start) + ".";
    var meter = el("meter", { class: "meter", min: 0, max: Math.max(capacity, 1), value: Math.min(opened, capacity),
      "aria-label": "Brugt kapacitet: " + opened + " af " + capacity });
    var list = KK.clear(document.querySelector("[data-capacity]"));
    list.appendChild(KT.figure("Frigivet nu", KK.format.number(released),
      "Model " + (summary.released.model || 0) + " · kontrolgruppe " + (summary.released.control || 0), null,
      { "data-figure": "released" }));
    list.appendChild(KT.figure("Venter på kapacitet", KK.format.number(waiting),
      "Indhentet og vurderet, ikke frigivet", "wait", { "data-figure": "waiting" }));
    var used = KT.figure("Åbnet i perioden", opened + " af " + capacity, null, "used", { "data-figure": "opened" });
    used.appendChild(meter);
    list.appendChild(used);
    list.appendChild(KT.figure("Kapacitet pr. " + periodName, KK.format.number(capacity),
      "Model " + (summary.capacity.model || 0) + " · kontrolgruppe " + (summary.capacity.control || 0), null,
      { "data-figure": "capacity" }));
  }

  /** Candidates held back by the data gathering: waiting for a register, or incomplete after every retry. */
  function renderGathering(summary) {
    var waiting = summary.waiting_for_source || 0;
    var incomplete = summary.incomplete || 0;
    var list = KK.clear(document.querySelector("[data-gathering]"));
    list.appendChild(KT.figure("Venter på en datakilde", KK.format.number(waiting),
      waiting === 1
        ? "Et register svarede ikke. Indhentningen prøves igen automatisk, og de andre registres oplysninger er gemt."
        : "Et register svarede ikke. Indhentningerne prøves igen automatisk, og de andre registres oplysninger er gemt.",
      "wait", { "data-figure": "waiting-for-source" }));
    list.appendChild(KT.figure("Ufuldstændige", KK.format.number(incomplete),
      "Et register svarede ikke, heller ikke efter alle genforsøg. Kandidaten prioriteres ikke, før en administrator " +
      "har sendt indhentningen igen, og registret har svaret.",
      incomplete ? "alert" : null, { "data-figure": "incomplete" }));
  }

  function scoreCell(item) {
    if (item.arm === "control") {
      return el("span", null, el("span", { class: "score" }, "Ingen vurdering"),
        el("span", { class: "score__detail" }, "Kontrolgruppe"));
    }
    return el("span", null,
      el("span", { class: "score" }, KT.percent(item.probability)),
      el("span", { class: "score__detail" }, "sandsynlighed for samfundsbesparelse"),
      el("span", { class: "score__detail" }, "Forventet: " + (item.expected_saving_text || KK.format.money(item.expected_saving_ore))));
  }

  function reasonsCell(item) {
    if (item.arm === "control") return el("span", { class: "muted" }, "Udvalgt efter modtagelsesdato (hidtidig metode).");
    if (!item.reasons || item.reasons.length === 0) return el("span", { class: "muted" }, "Ingen enkelt oplysning trækker vurderingen op.");
    return el("ul", { class: "reasons" }, item.reasons.map(function (r) { return el("li", null, r.text); }));
  }

  function sourceCell(item) {
    var criterion = item.criterion ? state.criteria[item.criterion] || item.criterion : null;
    return el("span", null, item.channel_label, criterion ? el("span", { class: "score__detail" }, criterion) : null);
  }

  function openButton(item) {
    var button = el("button", { type: "button", class: "button button--small", "data-open-case": item.candidate_id },
      "Åbn sag", el("span", { class: "visually-hidden" }, " " + item.reference));
    button.addEventListener("click", function () { openDialog(item, button); });
    var dismiss = el("button", { type: "button", class: "button button--secondary button--small", "data-dismiss-candidate": item.candidate_id },
      "Henlæg", el("span", { class: "visually-hidden" }, " " + item.reference));
    dismiss.addEventListener("click", function () { openDismissal(item, dismiss); });
    return el("span", { class: "row-actions" }, button, dismiss);
  }

  function renderQueue() {
    var container = document.querySelector("[data-queue]");
    container.setAttribute("aria-busy", "false");
    KK.table(container, {
      caption: "Frigivne kandidater i prioriteret rækkefølge",
      captionHidden: true,
      empty: "Der er ingen frigivne kandidater i perioden. Kapaciteten er brugt, eller der venter ingen vurderede kandidater.",
      rows: state.rows,
      rowAttrs: function (item) { return { "data-candidate-id": item.candidate_id, "data-arm": item.arm }; },
      columns: [
        { label: "Nr.", value: function (i) { return (i.arm === "control" ? "K" : "") + i.position; } },
        { label: "Sag", value: function (i) { return el("span", null, el("strong", { class: "nowrap" }, i.reference), " ", KT.armTag(i.arm, true)); } },
        { label: "Vurdering", value: scoreCell },
        { label: "Hvorfor", class: "cell--wrap cell--reasons", value: reasonsCell },
        { label: "Kilde", value: sourceCell },
        { label: "Modtaget", value: function (i) { return el("time", { datetime: i.received_at }, KT.shortDate(i.received_at)); } },
        { label: "Handling", value: openButton },
      ],
    });
    document.querySelector("[data-queue-more]").hidden = !state.cursor;
  }

  function loadQueue(append) {
    var query = { limit: PAGE_SIZE };
    if (append && state.cursor) query.cursor = state.cursor;
    return KK.api("/api/v1/queue", { query: query }).then(function (page) {
      state.rows = append ? state.rows.concat(page.items) : page.items;
      state.cursor = page.next_cursor;
      renderQueue();
    });
  }

  function loadSummary() {
    return KK.api("/api/v1/queue/summary").then(function (summary) {
      renderCapacity(summary);
      renderGathering(summary);
    });
  }

  function loadCriteria() {
    return KK.api("/api/v1/register-match-criteria").then(function (items) {
      items.forEach(function (c) { state.criteria[c.code] = c.label; });
    }, function () { /* labels are a nicety; the code is shown instead */ });
  }

  /* ---------------------------------------------------------------- open case */

  function openDialog(item, trigger) {
    dialog.candidate = item;
    dialog.trigger = trigger;
    dialog.key = KK.idempotencyKey(); // one key per intended opening, reused if the user retries
    KK.form.clearErrors(dialog.form);
    dialog.node.querySelector("[data-open-reference]").textContent = item.reference;
    dialog.node.showModal();
    var title = dialog.node.querySelector("#open-title");
    title.setAttribute("tabindex", "-1");
    title.focus();
  }

  function closeDialog() {
    if (dialog.node.open) dialog.node.close();
  }

  function bindDialog() {
    dialog.node = document.querySelector("[data-open-dialog]");
    dialog.form = dialog.node.querySelector('[data-kk-form="open-case"]');
    dialog.node.querySelector("[data-open-cancel]").addEventListener("click", closeDialog);
    dialog.node.addEventListener("close", function () {
      if (dialog.trigger && document.contains(dialog.trigger)) { dialog.trigger.focus(); return; }
      var heading = document.getElementById("queue-heading");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    });
    KK.form.bind(dialog.form, function (data) {
      var item = dialog.candidate;
      return KK.api("/api/v1/cases/" + encodeURIComponent(item.candidate_id) + "/openings", {
        method: "POST",
        body: { purpose: data.body.purpose || "" },
        idempotencyKey: dialog.key,
      }).then(function (opened) {
        dialog.trigger = null;
        closeDialog();
        KK.flash("Sagen " + opened.reference + " er åbnet. Borgeren får en underretning i Digital Post.");
        location.assign("/sager/" + encodeURIComponent(opened.case_id));
      }, function (error) {
        // Opened by a colleague meanwhile, or no longer released: the queue behind the dialog is out of date.
        if (error instanceof KK.Problem && error.status === 409) {
          loadSummary().catch(function () { /* the dialog shows the message */ });
          loadQueue(false).catch(function () { /* idem */ });
        }
        throw error;
      });
    });
  }

  /* ---------------------------------------------------------------- dismiss (henlæg) a candidate */

  function openDismissal(item, trigger) {
    dismissal.candidate = item;
    dismissal.trigger = trigger;
    dismissal.key = KK.idempotencyKey(); // one key per intended dismissal, reused if the user retries
    dismissal.form.reset();
    KK.form.clearErrors(dismissal.form);
    dismissal.node.querySelector("[data-dismiss-reference]").textContent = item.reference;
    dismissal.node.showModal();
    var title = dismissal.node.querySelector("#dismiss-title");
    title.setAttribute("tabindex", "-1");
    title.focus();
  }

  function bindDismissal() {
    dismissal.node = document.querySelector("[data-dismiss-dialog]");
    dismissal.form = dismissal.node.querySelector('[data-kk-form="dismiss-candidate"]');
    dismissal.node.querySelector("[data-dismiss-cancel]").addEventListener("click", function () {
      if (dismissal.node.open) dismissal.node.close();
    });
    dismissal.node.addEventListener("close", function () {
      if (dismissal.trigger && document.contains(dismissal.trigger)) { dismissal.trigger.focus(); return; }
      var heading = document.getElementById("queue-heading");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    });
    KK.form.bind(dismissal.form, function (data) {
      var item = dismissal.candidate;
      return KK.api("/api/v1/candidates/" + encodeURIComponent(item.candidate_id) + "/dismissals", {
        method: "POST",
        body: data.body, // reason (radio) and note; a missing reason gets the API's message next to the field
        idempotencyKey: dismissal.key,
      }).then(function (done) {
        dismissal.trigger = null; // the row goes away; focus moves to the queue heading
        dismissal.node.close();
        KK.status("Kandidaten " + done.reference + " er henlagt (" + done.reason_label + ") og er taget ud af køen.");
        return Promise.all([loadSummary(), loadQueue(false)]);
      }, function (error) {
        if (error instanceof KK.Problem && (error.status === 409 || error.status === 404)) {
          loadSummary().catch(function () { /* the dialog shows the message */ });
          loadQueue(false).catch(function () { /* idem */ });
        }
        throw error;
      });
    });
  }

  KK.page.ready(function () {
    bindDialog();
    bindDismissal();
    document.querySelector("[data-queue-more]").addEventListener("click", function () {
      loadQueue(true).catch(function (error) { KK.alert(error.message); });
    });
    loadSummary().catch(function (error) {
      KT.showError(document.querySelector("[data-capacity]"), error);
      KT.showError(document.querySelector("[data-gathering]"), error);
    });
    loadCriteria().then(function () { return loadQueue(false); }).catch(function (error) {
      KT.showError(document.querySelector("[data-queue]"), error);
    });
  });
})();
