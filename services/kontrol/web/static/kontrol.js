/*
 * kontrol.js – small helpers shared by the kontrol pages (window.KT), on top of kk.js (window.KK).
 * No rules live here: the API decides who may see and do what; these only format and build DOM safely.
 */
(function () {
  "use strict";
  var el = KK.el;

  var percentFormat = new Intl.NumberFormat("da-DK", { maximumFractionDigits: 0 });
  var percent1Format = new Intl.NumberFormat("da-DK", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var monthFormat = new Intl.DateTimeFormat("da-DK", { month: "long", year: "numeric", timeZone: "UTC" });
  var shortMonthFormat = new Intl.DateTimeFormat("da-DK", { month: "short", timeZone: "UTC" });
  var shortDateFormat = new Intl.DateTimeFormat("da-DK", {
    timeZone: "Europe/Copenhagen", day: "numeric", month: "short", year: "numeric",
  });
  var ratioFormat = new Intl.NumberFormat("da-DK", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  var STATUS = {
    aaben: ["Åben", "tag--yours"],
    partshoering: ["Partshøring sendt", "tag--warn"],
    afgjort: ["Afgjort", "tag--ok"],
  };
  var ARM = { model: "Modellens prioritering", control: "Kontrolgruppe" };
  var OUTCOME = {
    samfundsbesparelse: "Samfundsbesparelse",
    ingen_samfundsbesparelse: "Ingen samfundsbesparelse",
  };

  /** "83 %" (or "83,4 %" with digits = 1) from a share 0..1; "–" when missing. */
  function percent(share, digits) {
    if (share === null || share === undefined || isNaN(share)) return "–";
    return (digits === 1 ? percent1Format : percentFormat).format(share * 100) + " %";
  }

  /** "71–92 %" from a [low, high] pair of shares. */
  function interval(pair) {
    if (!pair || pair[0] === null || pair[0] === undefined || pair[1] === null || pair[1] === undefined) return "–";
    return percentFormat.format(pair[0] * 100) + "–" + percentFormat.format(pair[1] * 100) + " %";
  }

  /** "juli 2025" from "2025-07". */
  function month(key) {
    var parts = String(key).split("-");
    return monthFormat.format(new Date(Date.UTC(+parts[0], +parts[1] - 1, 15)));
  }

  /** "jul." from "2025-07" (chart axes). */
  function shortMonth(key) {
    var parts = String(key).split("-");
    return shortMonthFormat.format(new Date(Date.UTC(+parts[0], +parts[1] - 1, 15)));
  }

  /** "23. nov. 2026" (tables where the long month would wrap). */
  function shortDate(iso) {
    if (!iso) return "";
    var value = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(iso + "T12:00:00Z") : new Date(iso);
    return shortDateFormat.format(value);
  }

  function ratio(value) {
    return value === null || value === undefined ? "–" : ratioFormat.format(value);
  }

  function statusTag(status) {
    var entry = STATUS[status] || [status, ""];
    return el("span", { class: "tag " + entry[1], "data-case-status": status }, entry[0]);
  }

  function armTag(arm, short) {
    var text = short ? (arm === "control" ? "Kontrolgruppe" : "Model") : ARM[arm] || arm;
    return el("span", { class: "tag" + (arm === "control" ? " tag--control" : " tag--yours") }, text);
  }

  /** A <dl class="facts"> from [[term, value], ...]; a null value leaves the pair out. */
  function facts(pairs, attrs) {
    var list = el("dl", Object.assign({ class: "facts" }, attrs || {}));
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined) return;
      list.appendChild(el("dt", null, pair[0]));
      list.appendChild(el("dd", pair[2] || null, pair[1]));
    });
    return list;
  }

  /** A key figure for a .figures list. */
  function figure(label, value, detail, modifier, attrs) {
    return el("li", Object.assign({ class: "figure" + (modifier ? " figure--" + modifier : "") }, attrs || {}),
      el("span", { class: "figure__label" }, label),
      el("span", { class: "figure__value" }, value),
      detail ? el("span", { class: "figure__detail" }, detail) : null);
  }

  /**
   * The citizen's CPR number, masked (010190-****) until the caseworker presses "Vis CPR-nummer".
   * The whole number is only ever in the page's memory, never in a URL or in storage.
   */
  function cprToggle(cpr) {
    var digits = String(cpr || "").replace(/\D/g, "");
    var full = digits.length === 10 ? digits.slice(0, 6) + "-" + digits.slice(6) : digits;
    var value = el("span", { class: "cpr__value", "data-cpr-value": "" }, KK.format.cprMasked(digits));
    var button = el("button", { type: "button", class: "button button--secondary button--small", "aria-pressed": "false" },
      "Vis CPR-nummer");
    button.addEventListener("click", function () {
      var shown = button.getAttribute("aria-pressed") === "true";
      value.textContent = shown ? KK.format.cprMasked(digits) : full;
      button.setAttribute("aria-pressed", shown ? "false" : "true");
      button.textContent = shown ? "Vis CPR-nummer" : "Skjul CPR-nummer";
    });
    return el("span", { class: "cpr" }, value, button);
  }

  /**
   * Fetch a file from the API with the user's bearer token and save it (an <a href> cannot carry the token).
   * Resolves with the Blob; rejects with KK.Problem.
   */
  function download(path, filename, accept) {
    var user = KK.session.get();
    if (!user) { KK.toLogin("Log ind for at fortsætte."); return Promise.reject(new KK.Problem(401, {})); }
    return fetch(path, {
      headers: { Authorization: "Bearer " + user.token, Accept: accept || "*/*" },
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
    }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return null; }).then(function (body) {
          throw new KK.Problem(response.status, body);
        });
      }
      return response.blob();
    }, function () {
      throw new KK.Problem(0, { detail: "Der er ingen forbindelse til tjenesten. Tjek din forbindelse, og prøv igen." });
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var link = el("a", { href: url, download: filename, hidden: true });
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
      return blob;
    });
  }

  /** A table of data for a chart (the accessible alternative), inside a <details> so the page stays short. */
  function dataTable(container, spec, summaryText) {
    KK.clear(container);
    var holder = el("div");
    var details = el("details", { class: "details", open: spec.open ? true : null },
      el("summary", { class: "details__summary" }, summaryText || "Vis tallene som tabel"), holder);
    container.appendChild(details);
    KK.table(holder, spec);
    return details;
  }

  function showError(target, error) {
    KK.clear(target);
    var message = el("p", { class: "message message--warning message--static" }, error.message);
    target.appendChild(target.tagName === "UL" || target.tagName === "OL" ? el("li", null, message) : message);
  }

  window.KT = {
    percent: percent,
    interval: interval,
    month: month,
    shortMonth: shortMonth,
    shortDate: shortDate,
    ratio: ratio,
    statusTag: statusTag,
    armTag: armTag,
    facts: facts,
    figure: figure,
    cprToggle: cprToggle,
    download: download,
    dataTable: dataTable,
    showError: showError,
    ARM: ARM,
    OUTCOME: OUTCOME,
  };
})();
