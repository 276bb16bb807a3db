/*
 * The operations page of sms_ydelse (role admin): everything comes from the service's own API with the
 * user's token – /api/v1/statistics/{overview,daily,hourly}, /api/v1/delivery-failures,
 * /api/v1/messages/{id} (audited) and the shared /api/v1/dead-letters (+ /replays). The API checks the role,
 * validates the period (its Danish messages appear next to the fields) and audits; this file only draws.
 * The figures refresh every 30 seconds without reloading the page (a checkbox turns that off).
 */
(function () {
  "use strict";
  var el = KK.el;
  var REFRESH_SECONDS = 30;
  var DEFAULT_DAYS = 7;
  var OTHER = "notifikation";

  var STATUS_LABELS = { queued: "I kø", sending: "Under afsendelse", sent: "Sendt", delivered: "Leveret", failed: "Fejlet" };
  var REASON_LABELS = {
    no_nemsms_registration: "Borgeren er ikke tilmeldt NemSMS",
    not_delivered: "Ikke leveret (leveringsrapport)",
    gateway_rejected: "Afvist af sms-gatewayen",
    expired: "Ikke afsendt inden for 24 timer",
  };
  var EVENT_LABELS = {
    "sms_ydelse.call.accepted": "Opslag i registrene efter et opkald",
    "sms_ydelse.message.queued": "Afsendelse af en sms",
    "sms_ydelse.message.retry_due": "Nyt forsøg på at sende en sms",
    "sms_ydelse.message.confirmation_due": "Kontrol af, om en sms er leveret",
  };
  var SERVICE_LABELS = { sms_ydelse: "Telefonsystemet (IVR)", koerekort: "Kørekort", kontrol: "Kontrol", "viceværtsopgaver": "Viceværtsopgaver" };

  var state = { filter: null, hourDay: null, daily: [], busiestDay: null, auto: true, loading: false, openMessage: null };
  var products = {};

  /* ------------------------------------------------------------ dates (Copenhagen calendar days) */

  var isoDay = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Copenhagen", year: "numeric", month: "2-digit", day: "2-digit" });
  var shortDay = new Intl.DateTimeFormat("da-DK", { timeZone: "UTC", weekday: "short", day: "numeric", month: "numeric" });
  var longDay = new Intl.DateTimeFormat("da-DK", { timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric" });
  var clock = new Intl.DateTimeFormat("da-DK", { timeZone: "Europe/Copenhagen", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  var seconds = new Intl.NumberFormat("da-DK", { maximumFractionDigits: 1 });
  var percent = new Intl.NumberFormat("da-DK", { style: "percent", maximumFractionDigits: 1 });
  var average = new Intl.NumberFormat("da-DK", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function today() { return isoDay.format(new Date()); }
  function asDate(iso) { return new Date(iso + "T12:00:00Z"); }
  function addDays(iso, n) { var d = asDate(iso); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); }
  function daysIn(from, to) {
    var out = [];
    for (var d = from; d <= to && out.length < 400; d = addDays(d, 1)) out.push(d);
    return out;
  }
  function dayShort(iso) { return shortDay.format(asDate(iso)); }
  function dayLong(iso) { return longDay.format(asDate(iso)); }
  function secs(value) { return value === null || value === undefined ? "–" : seconds.format(value) + " sek."; }
  function productName(key) { return key === OTHER ? "Sms fra andre tjenester" : products[key] || key; }
  function hourLabel(h) { var p = function (n) { return (n < 10 ? "0" : "") + n; }; return "kl. " + p(h) + "-" + p((h + 1) % 24); }

  /* ------------------------------------------------------------ loading */

  function query(filter, extra) {
    return Object.assign({ from: filter.from, to: filter.to, product: filter.product || null }, extra || {});
  }

  function sum(rows, key) { return rows.reduce(function (n, r) { return n + (r[key] || 0); }, 0); }

  /** Fetch everything for a period; only a complete, valid answer replaces what is shown. */
  function load(filter) {
    state.loading = true;
    return Promise.all([
      KK.api("/api/v1/statistics/overview", { query: query(filter) }),
      KK.api("/api/v1/statistics/daily", { query: query(filter) }),
      KK.api("/api/v1/delivery-failures", { query: query(filter, { limit: 50 }) }),
      KK.api("/api/v1/dead-letters", { query: { limit: 1000 } }),
    ]).then(function (answers) {
      state.filter = filter;
      renderOverview(answers[0]);
      renderDaily(answers[1].items);
      renderFailures(answers[2]);
      renderDead(answers[3]);
      return loadHourly();
    }).then(function () {
      document.querySelector("[data-ops-updated]").textContent = "Senest opdateret kl. " + clock.format(new Date()) + ".";
    }).finally(function () { state.loading = false; });
  }

  function loadHourly() {
    return KK.api("/api/v1/statistics/hourly", { query: { day: state.hourDay, product: state.filter.product || null } })
      .then(function (answer) { renderHourly(answer.items); });
  }

  /* ------------------------------------------------------------ key figures and tables */

  function figure(label, value, note, attrs) {
    return el("div", Object.assign({ class: "figure" }, attrs || {}),
      el("dt", { class: "figure__label" }, label),
      el("dd", { class: "figure__value" }, value),
      note ? el("dd", { class: "figure__note" }, note) : null);
  }

  function satisfactionTotals(rows) {
    var dist = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
    rows.forEach(function (r) { Object.keys(r.satisfaction.distribution).forEach(function (k) { dist[k] += r.satisfaction.distribution[k]; }); });
    var responses = 0;
    var total = 0;
    Object.keys(dist).forEach(function (k) { responses += dist[k]; total += Number(k) * dist[k]; });
    return { dist: dist, responses: responses, average: responses ? total / responses : null };
  }

  function renderOverview(overview) {
    var rows = overview.products;
    var created = sum(rows, "sms_queued");
    var delivered = sum(rows, "sms_delivered");
    var awaiting = sum(rows, "sms_sent") - delivered;
    var sat = satisfactionTotals(rows);
    var scope = state.filter.product ? productName(state.filter.product) : "alle produkter";
    document.querySelector("[data-ops-scope]").textContent =
      "Fra " + dayLong(overview.from) + " til " + dayLong(overview.to) + ", " + scope + ".";
    var figures = KK.clear(document.querySelector("[data-ops-figures]"));
    [
      figure("Opkald", KK.format.number(sum(rows, "calls")), "heraf " + KK.format.number(sum(rows, "accepted")) + " med gyldigt CPR-nummer", { "data-figure": "calls" }),
      figure("Sms oprettet", KK.format.number(created), null, { "data-figure": "sms" }),
      figure("Leveret", KK.format.number(delivered), created ? percent.format(delivered / created) + " af de oprettede" : null, { "data-figure": "delivered" }),
      figure("Fejlet", KK.format.number(sum(rows, "sms_failed")), null, { "data-figure": "failed" }),
      figure("Venter", KK.format.number(sum(rows, "sms_pending") + awaiting), "i kø eller uden kvittering endnu", { "data-figure": "waiting" }),
      figure("Tilfredshed", sat.average === null ? "–" : average.format(sat.average) + " af 5",
        KK.format.number(sat.responses) + " svar", { "data-figure": "satisfaction" }),
    ].forEach(function (node) { figures.appendChild(node); });

    KK.table(document.querySelector("[data-ops-products]"), {
      caption: "Opkald og sms pr. produkt",
      captionHidden: true,
      rowHeader: true,
      empty: "Der er ingen opkald eller sms i perioden.",
      rows: rows,
      rowAttrs: function (r) { return { "data-product": r.product }; },
      columns: [
        { label: "Produkt", value: function (r) { return productName(r.product); } },
        { label: "Opkald", class: "cell--number", value: function (r) { return KK.format.number(r.calls); } },
        { label: "Gyldigt CPR", class: "cell--number", value: function (r) { return KK.format.number(r.accepted); } },
        { label: "Ugyldigt CPR tastet", class: "cell--number", value: function (r) { return KK.format.number(r.invalid_cpr); } },
        { label: "Stillet om efter 3 forsøg", class: "cell--number", value: function (r) { return KK.format.number(r.cpr_attempts_exhausted); } },
        { label: "Afvist af grænser", class: "cell--number", value: function (r) { return KK.format.number(r.rate_limited); } },
        { label: "Sms oprettet", class: "cell--number", value: function (r) { return KK.format.number(r.sms_queued); } },
        { label: "Leveret", class: "cell--number", value: function (r) { return KK.format.number(r.sms_delivered); } },
        { label: "Fejlet", class: "cell--number", value: function (r) { return KK.format.number(r.sms_failed); } },
      ],
    });

    KK.table(document.querySelector("[data-ops-timing]"), {
      caption: "Sekunder fra opkald til sms pr. produkt",
      captionHidden: true,
      rowHeader: true,
      empty: "Ingen sms er afsendt i perioden.",
      rows: rows.filter(function (r) { return r.seconds_call_to_gateway.count > 0; }),
      rowAttrs: function (r) { return { "data-product": r.product }; },
      columns: [
        { label: "Produkt", value: function (r) { return productName(r.product); } },
        { label: "Til gateway, median", class: "cell--number", value: function (r) { return secs(r.seconds_call_to_gateway.p50); } },
        { label: "Til gateway, 90 %", class: "cell--number", value: function (r) { return secs(r.seconds_call_to_gateway.p90); } },
        { label: "Til leveret, median", class: "cell--number", value: function (r) { return secs(r.seconds_call_to_delivered.p50); } },
        { label: "Til leveret, 90 %", class: "cell--number", value: function (r) { return secs(r.seconds_call_to_delivered.p90); } },
        { label: "Til leveret, 99 %", class: "cell--number", value: function (r) { return secs(r.seconds_call_to_delivered.p99); } },
        { label: "Længste", class: "cell--number", value: function (r) { return secs(r.seconds_call_to_delivered.max); } },
        { label: "Leverede sms", class: "cell--number", value: function (r) { return KK.format.number(r.seconds_call_to_delivered.count); } },
      ],
    });

    var statusRows = [
      { key: "pending", label: "I kø", value: sum(rows, "sms_pending"), cls: "pending" },
      { key: "sent", label: "Sendt", tableLabel: "Sendt, venter på kvittering", value: awaiting, cls: "sent" },
      { key: "delivered", label: "Leveret", value: delivered, cls: "delivered" },
      { key: "failed", label: "Fejlet", value: sum(rows, "sms_failed"), cls: "failed" },
    ];
    SmsCharts.bars(document.querySelector('[data-chart="status"]'), {
      id: "status",
      title: "Leveringsstatus for sms oprettet i perioden",
      description: "Af " + KK.format.number(created) + " sms er " + statusRows.map(function (r) {
        return KK.format.number(r.value) + " " + (r.tableLabel || r.label).toLowerCase();
      }).join(", ") + ".",
      rows: statusRows,
      firstColumn: "Status",
      valueLabel: "Sms",
      extraColumns: [{ label: "Andel", class: "cell--number", value: function (r) { return created ? percent.format(r.value / created) : "–"; } }],
    });

    var satRows = [1, 2, 3, 4, 5].map(function (k) {
      return { key: String(k), label: k === 5 ? "Svar 5 (meget)" : "Svar " + k, value: sat.dist[k], cls: "score" };
    });
    document.querySelector("[data-ops-satisfaction-average]").textContent = sat.responses
      ? "Gennemsnit " + average.format(sat.average) + " af 5 ud fra " + KK.format.number(sat.responses) + " svar."
      : "Ingen svar i perioden.";
    SmsCharts.bars(document.querySelector('[data-chart="satisfaction"]'), {
      id: "satisfaction",
      title: "Borgernes svar på tilfredshedsspørgsmålet",
      description: sat.responses
        ? KK.format.number(sat.responses) + " svar, gennemsnit " + average.format(sat.average) + " af 5. " +
          satRows.map(function (r) { return r.label + ": " + KK.format.number(r.value); }).join(", ") + "."
        : "Ingen svar i perioden.",
      rows: satRows,
      firstColumn: "Svar",
      valueLabel: "Antal svar",
      extraColumns: [{ label: "Andel", class: "cell--number", value: function (r) { return sat.responses ? percent.format(r.value / sat.responses) : "–"; } }],
    });
  }

  /* ------------------------------------------------------------ per day and per hour */

  var SERIES = [{ key: "calls", label: "Opkald" }, { key: "sms", label: "Sms sendt" }];

  function renderDaily(items) {
    var byDay = {};
    items.forEach(function (r) {
      var d = byDay[r.day] || (byDay[r.day] = { calls: 0, sms: 0 });
      d.calls += r.calls;
      d.sms += r.sms_sent;
    });
    var days = daysIn(state.filter.from, state.filter.to);
    var busiest = null;
    days.forEach(function (d) {
      var calls = (byDay[d] || {}).calls || 0;
      if (calls > 0 && (busiest === null || calls > byDay[busiest].calls)) busiest = d;
    });
    state.daily = days;
    state.busiestDay = busiest;
    var totalCalls = sum(items, "calls");
    var totalSms = sum(items, "sms_sent");
    SmsCharts.columns(document.querySelector('[data-chart="daily"]'), {
      id: "daily",
      title: "Opkald og sms pr. dag",
      description: "Søjlediagram over " + days.length + " dage. I alt " + KK.format.number(totalCalls) + " opkald og " +
        KK.format.number(totalSms) + " sms sendt." + (busiest ? " Travleste dag: " + dayLong(busiest) + " med " +
        KK.format.number(byDay[busiest].calls) + " opkald og " + KK.format.number(byDay[busiest].sms) + " sms." : ""),
      categories: days.map(function (d) { return { key: d, label: dayLong(d), short: dayShort(d), tiny: d.slice(8, 10) + "/" + Number(d.slice(5, 7)) }; }),
      series: SERIES,
      value: function (c, key) { return (byDay[c.key] || {})[key] || 0; },
      highlight: busiest,
      highlightLabel: "Travleste dag",
      firstColumn: "Dag",
      tableCaption: "Opkald og sms pr. dag",
    });
    fillDayChoice(days, busiest);
  }

  function fillDayChoice(days, busiest) {
    var select = document.getElementById("f-hour-day");
    if (!state.hourDay || days.indexOf(state.hourDay) === -1) state.hourDay = busiest || days[days.length - 1];
    var current = Array.prototype.map.call(select.options, function (o) { return o.value + "|" + o.textContent; }).join(",");
    var wanted = days.slice().reverse().map(function (d) { return d + "|" + dayLong(d) + (d === busiest ? " (travleste)" : ""); });
    if (current !== wanted.join(",")) {
      KK.clear(select);
      wanted.forEach(function (w) {
        var parts = w.split("|");
        select.appendChild(el("option", { value: parts[0] }, parts[1]));
      });
    }
    select.value = state.hourDay;
  }

  function renderHourly(items) {
    var byHour = {};
    items.forEach(function (r) {
      var h = byHour[r.hour] || (byHour[r.hour] = { calls: 0, sms: 0 });
      h.calls += r.calls;
      h.sms += r.sms_sent;
    });
    var hours = [];
    for (var i = 0; i < 24; i++) hours.push(i);
    var peak = null;
    hours.forEach(function (h) { if (byHour[h] && byHour[h].calls > 0 && (peak === null || byHour[h].calls > byHour[peak].calls)) peak = h; });
    SmsCharts.columns(document.querySelector('[data-chart="hourly"]'), {
      id: "hourly",
      name: "Opkald og sms pr. time",
      title: "Opkald og sms pr. time " + dayLong(state.hourDay),
      description: "Søjlediagram over døgnets 24 timer i dansk tid. I alt " + KK.format.number(sum(items, "calls")) +
        " opkald og " + KK.format.number(sum(items, "sms_sent")) + " sms sendt." +
        (peak !== null ? " Travleste time: " + hourLabel(peak) + " med " + KK.format.number(byHour[peak].calls) + " opkald." : ""),
      categories: hours.map(function (h) { return { key: h, label: hourLabel(h), short: (h < 10 ? "0" : "") + h }; }),
      series: SERIES,
      value: function (c, key) { return (byHour[c.key] || {})[key] || 0; },
      highlight: peak,
      highlightLabel: "Travleste time",
      axisLabel: "Klokkeslæt",
      firstColumn: "Time",
      tableCaption: "Opkald og sms pr. time " + dayLong(state.hourDay),
    });
  }

  /* ------------------------------------------------------------ failed SMS and one message's history */

  function focusInside(selector) {
    var box = document.querySelector(selector);
    return !!box && box.contains(document.activeElement) && document.activeElement !== document.body;
  }

  function renderFailures(page) {
    var count = document.querySelector("[data-ops-failures-count]");
    count.textContent = page.total === 0 ? "Ingen sms er fejlet i perioden."
      : page.total > page.items.length ? "Viser de " + page.items.length + " nyeste af " + KK.format.number(page.total) + " fejlede sms."
      : KK.format.number(page.total) + (page.total === 1 ? " sms er fejlet i perioden." : " sms er fejlet i perioden.");
    if (focusInside("[data-ops-failures]")) return; // do not pull the focused button away; the next refresh draws it
    KK.table(document.querySelector("[data-ops-failures]"), {
      caption: "Fejlede sms",
      captionHidden: true,
      empty: "Der er ingen fejlede sms.",
      rows: page.items,
      rowAttrs: function (r) { return { "data-failure-id": r.id }; },
      columns: [
        { label: "Fejlet", value: function (r) { return el("time", { datetime: r.failed_at || r.created_at }, KK.format.dateTime(r.failed_at || r.created_at)); } },
        { label: "Produkt", value: function (r) { return productName(r.product); } },
        { label: "Bestilt af", value: function (r) { return SERVICE_LABELS[r.sender_service] || r.sender_service; } },
        { label: "Årsag", class: "cell--wrap", value: function (r) { return REASON_LABELS[r.failure_reason] || r.failure_reason || "Ukendt"; } },
        { label: "Forsøg", class: "cell--number", value: function (r) { return KK.format.number(r.attempts); } },
        { label: "Forløb", value: function (r) { return historyButton(r); } },
      ],
    });
  }

  function historyButton(row) {
    var open = state.openMessage === row.id;
    var button = el("button", {
      type: "button", class: "button button--secondary button--small", "data-ops-history": row.id,
      "aria-expanded": open ? "true" : "false", "aria-controls": "ops-message",
    }, "Vis forløb", el("span", { class: "visually-hidden" }, " for sms fejlet " + KK.format.dateTime(row.failed_at || row.created_at)));
    button.addEventListener("click", function () { showMessage(row.id, button); });
    return button;
  }

  function showMessage(id, button) {
    button.disabled = true;
    KK.api("/api/v1/messages/" + encodeURIComponent(id)).then(function (m) {
      state.openMessage = id;
      KK.all("[data-ops-history]").forEach(function (b) { b.setAttribute("aria-expanded", b.getAttribute("data-ops-history") === id ? "true" : "false"); });
      var box = document.querySelector("[data-ops-message]");
      box.hidden = false;
      box.setAttribute("data-message-id", id);
      var heading = document.querySelector("[data-ops-message-heading]");
      heading.textContent = "Forløb for sms oprettet " + KK.format.dateTime(m.created_at);
      var facts = KK.clear(document.querySelector("[data-ops-message-facts]"));
      [
        ["Status", STATUS_LABELS[m.status] || m.status],
        ["Årsag", m.failure_reason ? REASON_LABELS[m.failure_reason] || m.failure_reason : "–"],
        ["Produkt", productName(m.product || OTHER)],
        ["Bestilt af", SERVICE_LABELS[m.sender_service] || m.sender_service],
        ["Nummer", m.to_msisdn_masked || "Ikke kendt eller slettet"],
        ["Tegn (GSM-7)", KK.format.number(m.septets)],
        ["Forsøg", KK.format.number(m.attempts)],
        ["Oprettet", KK.format.dateTime(m.created_at)],
        ["Sendt", m.sent_at ? KK.format.dateTime(m.sent_at) : "–"],
        ["Leveret", m.delivered_at ? KK.format.dateTime(m.delivered_at) : "–"],
        ["Fejlet", m.failed_at ? KK.format.dateTime(m.failed_at) : "–"],
      ].forEach(function (pair) {
        facts.appendChild(el("div", { class: "facts__item" }, el("dt", null, pair[0]), el("dd", null, pair[1])));
      });
      KK.table(document.querySelector("[data-ops-message-events]"), {
        caption: "Hændelser for sms'en",
        rows: m.events,
        empty: "Der er ingen hændelser.",
        columns: [
          { label: "Tidspunkt", value: function (e) { return el("time", { datetime: e.at }, KK.format.dateTime(e.at)); } },
          { label: "Hændelse", value: function (e) { return el("code", { class: "code" }, e.kind); } },
          { label: "Status", value: function (e) { return STATUS_LABELS[e.status] || e.status; } },
          { label: "Detaljer", class: "cell--wrap", value: function (e) { return e.detail || "–"; } },
        ],
      });
      heading.focus();
      KK.status("Forløbet for sms'en er vist. Opslaget er logget.");
    }).catch(function (error) { KK.alert(error.message); })
      .then(function () { button.disabled = false; });
  }

  function closeMessage() {
    var id = state.openMessage;
    state.openMessage = null;
    document.querySelector("[data-ops-message]").hidden = true;
    var button = id && document.querySelector('[data-ops-history="' + id + '"]');
    KK.all("[data-ops-history]").forEach(function (b) { b.setAttribute("aria-expanded", "false"); });
    if (button) button.focus();
  }

  /* ------------------------------------------------------------ dead letters of this service */

  function renderDead(letters) {
    var own = letters.filter(function (l) { return l.event_type.indexOf("sms_ydelse.") === 0; });
    var open = own.filter(function (l) { return !l.replayed_at; }).length;
    document.querySelector("[data-ops-dead-count]").textContent = own.length
      ? open + " af " + own.length + " fejlede hændelser venter på at blive sendt igen."
      : "Der er ingen fejlede hændelser.";
    if (focusInside("[data-ops-dead]")) return;
    KK.table(document.querySelector("[data-ops-dead]"), {
      caption: "Fejlede hændelser",
      captionHidden: true,
      empty: "Der er ingen fejlede hændelser.",
      rows: own,
      rowAttrs: function (r) { return { "data-dead-letter-id": r.id }; },
      columns: [
        { label: "Hvad", value: function (r) { return el("span", null, EVENT_LABELS[r.event_type] || "Hændelse", " ", el("code", { class: "code" }, r.event_type)); } },
        { label: "Fejl", class: "cell--wrap", value: function (r) { return r.error; } },
        { label: "Forsøg", class: "cell--number", value: function (r) { return KK.format.number(r.attempts); } },
        { label: "Fejlede", value: function (r) { return el("time", { datetime: r.failed_at }, KK.format.dateTime(r.failed_at)); } },
        { label: "Status", value: function (r) { return deadStatus(r); } },
      ],
    });
  }

  function deadStatus(letter) {
    if (letter.replayed_at) {
      return el("span", { class: "tag tag--ok" }, "Sendt igen " + KK.format.dateTime(letter.replayed_at) + " af " + letter.replayed_by);
    }
    var button = el("button", { type: "button", class: "button button--small", "data-ops-replay": letter.id },
      "Send igen", el("span", { class: "visually-hidden" }, " (" + (EVENT_LABELS[letter.event_type] || letter.event_type) + ")"));
    button.addEventListener("click", function () {
      button.disabled = true;
      KK.api("/api/v1/dead-letters/" + encodeURIComponent(letter.id) + "/replays", { method: "POST" })
        .then(function () {
          KK.status("Hændelsen er sendt igen: " + (EVENT_LABELS[letter.event_type] || letter.event_type) + ".");
          button.blur();
          return KK.api("/api/v1/dead-letters", { query: { limit: 1000 } });
        })
        .then(function (letters) {
          renderDead(letters);
          // The button is gone after the redraw: keep keyboard focus on the same row's new status.
          var tag = document.querySelector('[data-dead-letter-id="' + letter.id + '"] .tag');
          if (tag) { tag.setAttribute("tabindex", "-1"); tag.focus(); }
        })
        .catch(function (error) { button.disabled = false; KK.alert(error.message); });
    });
    return button;
  }

  /* ------------------------------------------------------------ refresh */

  function refresh(manual) {
    if (state.loading || !state.filter) return Promise.resolve();
    return load(state.filter).then(function () {
      if (manual) KK.status("Tallene er opdateret.");
    }).catch(function (error) {
      var text = "Tallene kunne ikke opdateres kl. " + clock.format(new Date()) + ": " + error.message;
      document.querySelector("[data-ops-updated]").textContent = text;
      if (manual) KK.alert(error.message);
    });
  }

  function startAutoRefresh() {
    var box = document.querySelector("[data-ops-auto]");
    state.auto = box.checked;
    box.addEventListener("change", function () {
      state.auto = box.checked;
      KK.status(box.checked ? "Tallene opdateres automatisk hvert " + REFRESH_SECONDS + ". sekund." : "Automatisk opdatering er slået fra.");
    });
    window.setInterval(function () {
      if (state.auto && !document.hidden) refresh(false);
    }, REFRESH_SECONDS * 1000);
  }

  KK.page.ready(function () {
    KK.all("#f-product option").forEach(function (o) { if (o.value) products[o.value] = o.textContent; });
    var form = document.querySelector('[data-kk-form="period"]');
    var to = today();
    document.getElementById("f-from").value = addDays(to, -(DEFAULT_DAYS - 1));
    document.getElementById("f-to").value = to;

    KK.form.bind(form, function (data) {
      var filter = { from: data.query.from, to: data.query.to, product: data.query.product || null };
      return load(filter).then(function () {
        KK.status("Statistikken vises for " + dayLong(filter.from) + " til " + dayLong(filter.to) + ".");
      });
    });
    document.getElementById("f-hour-day").addEventListener("change", function (event) {
      state.hourDay = event.target.value;
      loadHourly().then(function () { KK.status("Viser timerne for " + dayLong(state.hourDay) + "."); })
        .catch(function (error) { KK.alert(error.message); });
    });
    document.querySelector("[data-ops-refresh]").addEventListener("click", function () { refresh(true); });
    document.querySelector("[data-ops-message-close]").addEventListener("click", closeMessage);
    startAutoRefresh();
    load({ from: document.getElementById("f-from").value, to: to, product: null })
      .catch(function (error) { KK.alert(error.message); });
  });
})();
