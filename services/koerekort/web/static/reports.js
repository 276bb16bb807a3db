/*
 * Reports: the quality report from the API (aggregates only) as key figures, accessible SVG bar charts
 * (role="img" with a title and a text description) and the same numbers as tables; paper registration.
 */
(function () {
  "use strict";
  var el = KK.el;
  var SVG = "http://www.w3.org/2000/svg";
  var counter = 0;
  var drawn = [];

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function percent(share) {
    if (share === null || share === undefined) return "–";
    return (share * 100).toLocaleString("da-DK", { maximumFractionDigits: 1 }) + " %";
  }

  function days(value) {
    if (value === null || value === undefined) return "–";
    return value.toLocaleString("da-DK", { maximumFractionDigits: 1 }) + " dage";
  }

  /**
   * Horizontal bars, one per row, the label above its bar (legible at 390 px) and the value written after it.
   * spec: {title, description, rows: [{label, value, text, kind}], max, refs: [{value, label}], caption, valueLabel}
   */
  /** Split a label into lines of at most `chars` characters (words kept whole where possible). */
  function wrap(text, chars) {
    var lines = [""];
    String(text).split(/\s+/).forEach(function (word) {
      var last = lines[lines.length - 1];
      if (last && (last + " " + word).length > chars) lines.push(word);
      else lines[lines.length - 1] = last ? last + " " + word : word;
    });
    return lines;
  }

  function bars(container, spec) {
    var id = "kchart-" + (++counter);
    var width = Math.max(280, Math.floor(container.clientWidth || 600));
    var top = spec.refs && spec.refs.length ? 22 : 6;
    var valueW = 96;
    var plotW = width - valueW - 4;
    var chars = Math.max(20, Math.floor(width / 7.8));
    var labels = spec.rows.map(function (row) { return wrap(row.label, chars); });
    var heights = labels.map(function (lines) { return lines.length * 18 + 34; });
    var height = top + heights.reduce(function (a, b) { return a + b; }, 0) + 6;
    var max = spec.max || Math.max.apply(null, spec.rows.map(function (r) { return r.value || 0; }).concat([1]));
    var x = function (v) { return Math.max(0, Math.min(1, v / max)) * plotW; };
    var root = svg("svg", {
      class: "kchart__svg", width: width, height: height, viewBox: "0 0 " + width + " " + height,
      role: "img", "aria-labelledby": id + "-title " + id + "-desc", focusable: "false",
    });
    root.appendChild(svg("title", { id: id + "-title" }, spec.title));
    root.appendChild(svg("desc", { id: id + "-desc" }, spec.description));
    var y = top;
    spec.rows.forEach(function (row, i) {
      labels[i].forEach(function (line, n) {
        root.appendChild(svg("text", { class: "kchart__label", x: 0, y: y + 16 + n * 18 }, line));
      });
      var barY = y + labels[i].length * 18 + 6;
      root.appendChild(svg("rect", { class: "kchart__track", x: 0, y: barY, width: plotW, height: 18 }));
      var w = x(row.value || 0);
      root.appendChild(svg("rect", { class: "kchart__bar kchart__bar--" + (row.kind || "a"), x: 0, y: barY, width: Math.max(w, row.value ? 2 : 0), height: 18 }));
      root.appendChild(svg("text", { class: "kchart__value", x: w + 6, y: barY + 14 }, row.text));
      y += heights[i];
    });
    (spec.refs || []).forEach(function (ref) {
      var rx = x(ref.value);
      root.appendChild(svg("line", { class: "kchart__ref", x1: rx, x2: rx, y1: top - 4, y2: height - 2 }));
      root.appendChild(svg("text", { class: "kchart__ref-label", x: Math.min(rx + 4, width - 4), y: 14, "text-anchor": rx > width - 120 ? "end" : "start" }, ref.label));
    });
    var table = el("div", { class: "kchart__table" });
    KK.table(table, {
      caption: spec.caption || spec.title,
      captionHidden: true,
      rowHeader: true,
      rows: spec.rows,
      columns: [
        { label: spec.firstColumn || "", value: function (r) { return r.label; } },
        { label: spec.valueLabel || "Værdi", value: function (r) { return r.text; } },
      ].concat(spec.extraColumns || []),
    });
    var figure = el("figure", { class: "kchart", "data-kort-figure": spec.key || "" },
      el("div", { class: "kchart__drawing" }, root),
      el("details", { class: "details kchart__details" },
        el("summary", { class: "details__summary" }, "Vis tallene som tabel"), table));
    KK.clear(container).appendChild(figure);
    drawn = drawn.filter(function (d) { return d.container !== container; });
    drawn.push({ container: container, spec: spec });
  }

  var lastWidth = window.innerWidth;
  window.addEventListener("resize", function () {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    drawn.slice().forEach(function (d) { if (document.body.contains(d.container)) bars(d.container, d.spec); });
  });

  function figure(key, label, value, note) {
    return el("div", { class: "figure", "data-figure": key },
      el("dt", { class: "figure__label" }, label),
      el("dd", { class: "figure__value" }, value),
      note ? el("dd", { class: "figure__note" }, note) : null);
  }

  function render(report) {
    var caught = report.errors_caught_before_submission;
    var returns = report.returns_to_doctors;
    var digital = report.share_digital;
    var paper = report.paper;
    var leadTime = report.lead_time_days_start_to_approval;
    var handling = report.handling_days_submission_to_decision;

    document.querySelector("[data-kort-period]").textContent =
      "Viser erklæringer indsendt fra " + KK.format.date(report.period.from) + " til og med " + KK.format.date(report.period.to) + ".";
    document.getElementById("f-from").value = report.period.from;
    document.getElementById("f-to").value = report.period.to;

    var figures = KK.clear(document.querySelector("[data-kort-figures]"));
    figures.removeAttribute("aria-busy");
    [
      figure("submitted", "Indsendt digitalt", KK.format.number(report.certificates_submitted_digitally), "erklæringer i perioden"),
      figure("caught", "Fejl stoppet før indsendelse", percent(caught.share_of_certificates),
        (caught.certificates_with_caught_errors === 1 ? "1 erklæring havde fejl, som blev rettet"
          : KK.format.number(caught.certificates_with_caught_errors) + " erklæringer havde fejl, som blev rettet")),
      figure("returns", "Returneret til lægen", percent(returns.share_of_submitted), "papir: " + percent(returns.paper_baseline_share)),
      figure("lead", "Gennemløbstid (median)", days(leadTime.median), "fra start til godkendelse"),
      figure("digital", "Digital andel", percent(digital.share), "mål: " + percent(digital.target)),
      figure("decisions", "Afgjort", KK.format.number(report.decisions.approved + report.decisions.returned_to_citizen),
        KK.format.number(report.decisions.approved) + " godkendt, " + KK.format.number(report.decisions.returned_to_citizen) + " returneret"),
    ].forEach(function (f) { figures.appendChild(f); });

    var returnRows = [{ label: "Papir (Bilag 2B): sendt tilbage med fejl", value: returns.paper_baseline_share, text: percent(returns.paper_baseline_share), kind: "baseline" }];
    if (paper.received) returnRows.push({ label: "Papir i perioden: med fejl", value: paper.share_with_errors || 0, text: percent(paper.share_with_errors), kind: "paper" });
    returnRows.push({ label: "Digital: Borgerservice spurgte lægen", value: returns.share_of_submitted || 0, text: percent(returns.share_of_submitted), kind: "a" });
    bars(document.querySelector('[data-kort-chart="returns"]'), {
      key: "returns",
      title: "Andel erklæringer, der måtte tilbage til lægen",
      description: returnRows.map(function (r) { return r.label + ": " + r.text; }).join("; ") + ".",
      rows: returnRows, max: Math.max(0.25, returnRows.reduce(function (m, r) { return Math.max(m, r.value || 0); }, 0)),
      caption: "Andel erklæringer, der måtte tilbage til lægen", firstColumn: "Erklæringer", valueLabel: "Andel",
    });

    document.querySelector("[data-kort-caught-text]").textContent = caught.note + " Målet er at stoppe " +
      percent(report.kpi_errors_stopped_target) + " af fejlene.";
    var caughtRows = caught.by_type.map(function (t) {
      return { label: t.title, value: t.certificates, text: KK.format.number(t.certificates), kind: "a" };
    });
    var caughtBox = document.querySelector('[data-kort-chart="caught"]');
    if (caughtRows.length) {
      bars(caughtBox, {
        key: "caught",
        title: "Fejl stoppet før indsendelse, efter type",
        description: caughtRows.map(function (r) { return r.label + ": " + r.text + " erklæringer"; }).join("; ") + ".",
        rows: caughtRows, caption: "Fejl stoppet før indsendelse, efter type", firstColumn: "Fejltype", valueLabel: "Erklæringer",
      });
    } else {
      KK.clear(caughtBox).appendChild(el("p", { class: "empty" }, "Ingen fejl at vise i perioden."));
    }

    var leadRows = [
      { label: "Start til godkendelse, median", value: leadTime.median || 0, text: days(leadTime.median), kind: "a" },
      { label: "Start til godkendelse, 90 % inden for", value: leadTime.p90 || 0, text: days(leadTime.p90), kind: "b" },
      { label: "Indsendelse til afgørelse, median", value: handling.median || 0, text: days(handling.median), kind: "a" },
      { label: "Indsendelse til afgørelse, 90 % inden for", value: handling.p90 || 0, text: days(handling.p90), kind: "b" },
    ];
    bars(document.querySelector('[data-kort-chart="lead"]'), {
      key: "lead",
      title: "Gennemløbstid i dage",
      description: leadRows.map(function (r) { return r.label + ": " + r.text; }).join("; ") +
        ". Antal godkendte: " + leadTime.count + ", antal afgjorte: " + handling.count + ".",
      rows: leadRows, caption: "Gennemløbstid i dage", firstColumn: "Mål", valueLabel: "Dage",
    });

    var digitalRows = [
      { label: "Digitalt indsendt", value: digital.digital, text: KK.format.number(digital.digital), kind: "a" },
      { label: "Papir registreret", value: digital.paper, text: KK.format.number(digital.paper), kind: "paper" },
    ];
    bars(document.querySelector('[data-kort-chart="digital"]'), {
      key: "digital",
      title: "Digitale og papirerklæringer",
      description: "Digitalt indsendt: " + digital.digital + "; papir: " + digital.paper + ". Digital andel " + percent(digital.share) +
        ", mål " + percent(digital.target) + ".",
      rows: digitalRows, caption: "Digitale og papirerklæringer (digital andel " + percent(digital.share) + ")",
      firstColumn: "Kanal", valueLabel: "Antal",
    });
  }

  KK.page.ready(function (user) {
    var periodForm = document.querySelector('[data-kk-form="period"]');
    var paperForm = document.querySelector('[data-kk-form="paper"]');
    var query = {};

    function load() {
      return KK.api("/api/v1/reports/quality", { query: query }).then(render);
    }

    KK.form.bind(periodForm, function (data) {
      var previous = query;
      query = { from: data.query.from, to: data.query.to };
      return load().catch(function (error) { query = previous; throw error; });
    });

    if (KK.session.hasRole(user, ["borgerservice"])) {
      document.querySelector("[data-kort-paper-panel]").hidden = false;
      KK.api("/api/v1/error-catalogue").then(function (catalogue) {
        var box = document.querySelector("[data-kort-error-types]");
        box.appendChild(el("fieldset", {
          class: "field fieldset", id: "f-error_types", tabindex: "-1", "data-kk-field": "", "data-pointer": "/error_types",
          "aria-describedby": "f-error_types-hint f-error_types-error",
        },
          el("legend", { class: "field__label" }, "Fejltyper ", el("span", { class: "field__optional" }, "(valgfrit)")),
          el("p", { class: "field__hint", id: "f-error_types-hint" }, "Kun når erklæringen havde fejl."),
          el("p", { class: "field__error", id: "f-error_types-error", "data-kk-error": "", hidden: true }),
          el("div", { class: "choices" }, catalogue.map(function (entry, i) {
            return el("div", { class: "choice" },
              el("input", { class: "choice__input", type: "checkbox", id: "f-error_types-" + i, name: "error_types", value: entry.id, "data-type": "list" }),
              el("label", { class: "choice__label", for: "f-error_types-" + i }, entry.id + " – " + entry.title));
          }))));
      }).catch(KORT.fail);
      KK.form.bind(paperForm, function (data) {
        return KK.api("/api/v1/paper-certificates", { method: "POST", body: data.body }).then(function () {
          paperForm.reset();
          KK.status("Papirerklæringen er registreret.");
          return load();
        });
      });
    }

    load().catch(KORT.fail);
  });
})();
