/*
 * The kontrol reports (GET /api/v1/reports/...): precision over time with the 78 % line and alert, savings by
 * benefit type and department, the control-group effect with its 95 % interval, the fairness audit (admin
 * only – the API decides) and the hit rate per register-match criterion. Each chart has a data table beside it.
 */
(function () {
  "use strict";
  var el = KK.el;
  var krFormat = new Intl.NumberFormat("da-DK", { maximumFractionDigits: 0 });
  var pointsFormat = new Intl.NumberFormat("da-DK", { maximumFractionDigits: 0, signDisplay: "exceptZero" });
  var GROUPS = {
    dansk: "Dansk statsborgerskab",
    vestlig: "Vestligt statsborgerskab",
    ikke_vestlig: "Ikke-vestligt statsborgerskab",
  };
  var FOUR_FIFTHS = 0.8;

  function kr(ore) { return ore === null || ore === undefined ? "–" : krFormat.format(Math.round(ore / 100)) + " kr."; }
  function part(selector) { return document.querySelector(selector); }
  function pct(v) { return KT.percent(v); }
  function axisPct(v) { return krFormat.format(v * 100) + " %"; }

  function fail(name, error) {
    if (error.status === 401) return;
    KT.showError(part('[data-chart="' + name + '"]'), error);
  }

  /* ---------------------------------------------------------------- precision over time */

  function precision(report) {
    var threshold = report.threshold;
    part("[data-threshold-text]").textContent = pct(threshold);
    var chart = part('[data-chart="precision"]');
    var alertBox = KK.clear(part("[data-precision-alert]"));
    if (!report.months.length) {
      KK.clear(chart).appendChild(el("p", { class: "empty" }, "Der er endnu ingen afgjorte sager."));
      return;
    }
    if (report.alerts.length) {
      alertBox.appendChild(el("p", { class: "message message--warning message--static", "data-precision-alerts": report.alerts.join(" ") },
        el("strong", null, "Under målet: "),
        "Træfsikkerheden for modellens sager var under " + pct(threshold) + " i " +
        report.alerts.map(KT.month).join(", ") + ". Undersøg årsagen, og overvej at gentræne modellen."));
    }
    var labels = report.months.map(function (m) { return m.month; });
    var model = report.months.map(function (m) { return m.model.precision; });
    var control = report.months.map(function (m) { return m.control.precision; });
    var alerts = report.months.map(function (m, i) { return m.alert ? i : -1; }).filter(function (i) { return i >= 0; });
    KK.clear(part("[data-precision-legend]")).appendChild(KChart.legend([
      ["", "Modellens sager"], ["b", "Kontrolgruppen"], ["ref", "Mål: " + pct(threshold)],
    ]));
    KChart.line(chart, {
      title: "Træfsikkerhed pr. måned for modellens sager og kontrolgruppen, med målet på " + pct(threshold),
      desc: report.months.map(function (m) {
        return KT.month(m.month) + ": model " + pct(m.model.precision) + ", kontrolgruppe " + pct(m.control.precision) +
          (m.alert ? " (under målet)" : "");
      }).join("; ") + ".",
      labels: labels,
      labelFormat: KT.shortMonth,
      series: [
        { name: "Modellens sager", cls: "a", values: model, alerts: alerts },
        { name: "Kontrolgruppen", cls: "b", values: control },
      ],
      yMin: 0, yMax: 1, yFormat: axisPct,
      refs: [{ value: threshold, label: "Mål " + pct(threshold) }],
    });
    KT.dataTable(part('[data-table="precision"]'), {
      caption: "Træfsikkerhed pr. måned",
      rowHeader: true,
      rows: report.months,
      rowAttrs: function (m) { return { "data-month": m.month }; },
      columns: [
        { label: "Måned", value: function (m) { return KT.month(m.month); } },
        { label: "Modellens sager: afgjort", value: function (m) { return KK.format.number(m.model.decided); } },
        { label: "Modellens sager: fund", value: function (m) { return KK.format.number(m.model.hits); } },
        { label: "Modellens træfsikkerhed", value: function (m) { return pct(m.model.precision); } },
        { label: "95 %-interval", value: function (m) { return KT.interval(m.model.ci95); } },
        { label: "Kontrolgruppe: afgjort", value: function (m) { return KK.format.number(m.control.decided); } },
        { label: "Kontrolgruppens træfsikkerhed", value: function (m) { return pct(m.control.precision); } },
        { label: "Under målet", value: function (m) { return m.alert ? el("strong", null, "Ja") : "Nej"; } },
      ],
    });
  }

  /* ---------------------------------------------------------------- savings */

  function savings(report) {
    var figures = KK.clear(part("[data-savings-figures]"));
    figures.appendChild(KT.figure("Afgjorte sager", KK.format.number(report.decided_cases), null, null, { "data-figure": "decided" }));
    figures.appendChild(KT.figure("Samlet besparelse", report.total_text, null, "used", { "data-figure": "total" }));
    figures.appendChild(KT.figure("Pr. afgjort sag", KK.format.money(report.per_decided_case_ore), "KL's gennemsnit: 14.007 kr.", null,
      { "data-figure": "per-case" }));
    var chart = part('[data-chart="savings"]');
    if (!report.items.length) {
      KK.clear(part("[data-savings-legend]"));
      KK.clear(chart).appendChild(el("p", { class: "empty" }, "Der er ingen registrerede besparelser i perioden."));
      KK.clear(part('[data-table="savings"]'));
      return;
    }
    KK.clear(part("[data-savings-legend]")).appendChild(KChart.legend([
      ["", "Tilbagebetalingskrav"], ["b", "Fremadrettet besparelse (12 mdr.)"],
    ]));
    var rows = report.items.slice().sort(function (a, b) { return b.total_ore - a.total_ore; });
    KChart.bars(chart, {
      title: "Besparelse pr. ydelsestype og forvaltning (kroner)",
      desc: rows.map(function (i) {
        return i.benefit_label + " (" + i.department + "): " + kr(i.total_ore) + ", heraf tilbagebetalingskrav " +
          kr(i.repayment_claim_ore) + " og fremadrettet besparelse " + kr(i.forward_saving_12m_ore);
      }).join("; ") + ".",
      rows: rows.map(function (i) {
        return {
          label: i.benefit_label + " · " + i.department,
          segments: [{ value: i.repayment_claim_ore / 100, cls: "a" }, { value: i.forward_saving_12m_ore / 100, cls: "b" }],
          text: kr(i.total_ore),
        };
      }),
      format: function (v) { return krFormat.format(v); },
    });
    KT.dataTable(part('[data-table="savings"]'), {
      caption: "Besparelser pr. forvaltning og ydelsestype",
      rows: report.items,
      rowAttrs: function (i) { return { "data-benefit": i.benefit_type, "data-department": i.department }; },
      columns: [
        { label: "Forvaltning", value: function (i) { return i.department_name + " (" + i.department + ")"; } },
        { label: "Ydelsestype", value: function (i) { return i.benefit_label; } },
        { label: "Bevilling", value: function (i) { return i.appropriation; } },
        { label: "Sager", value: function (i) { return KK.format.number(i.cases_with_amount); } },
        { label: "Tilbagebetalingskrav", value: function (i) { return KK.format.money(i.repayment_claim_ore); } },
        { label: "Fremadrettet besparelse (12 mdr.)", value: function (i) { return KK.format.money(i.forward_saving_12m_ore); } },
        { label: "I alt", value: function (i) { return i.total_text; } },
      ],
    });
  }

  function loadSavings(query) {
    return KK.api("/api/v1/reports/savings", { query: query || {} }).then(savings);
  }

  /* ---------------------------------------------------------------- control-group effect */

  function effect(report) {
    var model = report.arms.model;
    var control = report.arms.control;
    var diff = report.difference;
    var figures = KK.clear(part("[data-effect-figures]"));
    figures.appendChild(KT.figure("Modellens sager", pct(model.hit_rate), KK.format.number(model.decided) + " afgjorte sager", null,
      { "data-figure": "model" }));
    figures.appendChild(KT.figure("Kontrolgruppen", pct(control.hit_rate), KK.format.number(control.decided) + " afgjorte sager", "wait",
      { "data-figure": "control" }));
    var diffText = diff.hit_rate === null ? "–" : pointsFormat.format(diff.hit_rate * 100) + " point";
    var diffDetail = diff.hit_rate === null ? "Kræver afgjorte sager i begge grupper"
      : "95 %: " + pointsFormat.format(diff.hit_rate_ci95[0] * 100) + " til " + pointsFormat.format(diff.hit_rate_ci95[1] * 100) + " point";
    figures.appendChild(KT.figure("Forskel i træfsikkerhed", diffText, diffDetail, "used", { "data-figure": "difference" }));
    figures.appendChild(KT.figure("Forskel i besparelse pr. sag", diff.saving_per_case_ore === null ? "–" : kr(diff.saving_per_case_ore),
      diff.saving_per_case_ci95_ore ? "95 %: " + kr(diff.saving_per_case_ci95_ore[0]) + " til " + kr(diff.saving_per_case_ci95_ore[1]) : null,
      null, { "data-figure": "saving-difference" }));
    part("[data-effect-method]").textContent = "Metode: " + report.method + " Kontrolgruppens andel: " + pct(report.control_share) + ".";
    var chart = part('[data-chart="effect"]');
    if (!model.decided && !control.decided) {
      KK.clear(chart).appendChild(el("p", { class: "empty" }, "Der er endnu ingen afgjorte sager i forsøget."));
      return;
    }
    var rows = [
      { label: "Modellens sager", segments: [{ value: model.hit_rate || 0, cls: "a" }], low: model.hit_rate_ci95[0], high: model.hit_rate_ci95[1], point: model.hit_rate, text: pct(model.hit_rate) },
      { label: "Kontrolgruppen", segments: [{ value: control.hit_rate || 0, cls: "b" }], low: control.hit_rate_ci95[0], high: control.hit_rate_ci95[1], point: control.hit_rate, text: pct(control.hit_rate) },
    ];
    if (diff.hit_rate !== null) {
      rows.push({ label: "Forskel (model − kontrol)", segments: [], low: diff.hit_rate_ci95[0], high: diff.hit_rate_ci95[1], point: diff.hit_rate, text: diffText });
    }
    KK.clear(part("[data-effect-legend]")).appendChild(KChart.legend([
      ["", "Modellens sager"], ["b", "Kontrolgruppen"], ["whisker", "95 %-interval"],
    ]));
    KChart.bars(chart, {
      title: "Træfsikkerhed i de to grupper og forskellen, med 95 %-intervaller",
      desc: "Modellens sager " + pct(model.hit_rate) + " (" + KT.interval(model.hit_rate_ci95) + "), kontrolgruppen " +
        pct(control.hit_rate) + " (" + KT.interval(control.hit_rate_ci95) + ")" +
        (diff.hit_rate === null ? "." : ", forskel " + diffText + " (" + diffDetail + ")."),
      rows: rows,
      format: axisPct,
      max: 1,
    });
    KT.dataTable(part('[data-table="effect"]'), {
      caption: "Effekt målt med kontrolgruppe",
      rowHeader: true,
      rows: [
        { name: "Modellens sager", arm: model },
        { name: "Kontrolgruppen", arm: control },
      ],
      columns: [
        { label: "Gruppe", value: function (r) { return r.name; } },
        { label: "Afgjorte sager", value: function (r) { return KK.format.number(r.arm.decided); } },
        { label: "Fund", value: function (r) { return KK.format.number(r.arm.hits); } },
        { label: "Træfsikkerhed", value: function (r) { return pct(r.arm.hit_rate); } },
        { label: "95 %-interval", value: function (r) { return KT.interval(r.arm.hit_rate_ci95); } },
        { label: "Besparelse pr. sag", value: function (r) { return kr(r.arm.saving_per_case_ore); } },
      ],
    });
  }

  /* ---------------------------------------------------------------- fairness */

  function disparityFigure(label, block) {
    var ratio = block ? block.disparity_ratio : null;
    var flag = ratio !== null && ratio !== undefined && ratio < FOUR_FIFTHS;
    return KT.figure(label, KT.ratio(ratio), ratio === null || ratio === undefined ? "Ingen data endnu"
      : flag ? "Under 0,80: undersøg forskellen" : "1,00 = ens for alle grupper", flag ? "wait" : "used");
  }

  function fairness(report) {
    var box = KK.clear(part("[data-fairness]"));
    var figures = el("ul", { class: "figures report__figures" });
    figures.appendChild(disparityFigure("Disparitet i udvælgelse", report.selection));
    figures.appendChild(disparityFigure("Disparitet i træfsikkerhed", report.precision));
    box.appendChild(figures);
    var groups = {};
    [["selection", report.selection], ["precision", report.precision]].forEach(function (pair) {
      if (!pair[1]) return;
      Object.keys(pair[1].by_group).forEach(function (g) {
        groups[g] = groups[g] || { group: g };
        groups[g][pair[0]] = pair[1].by_group[g];
        groups[g][pair[0] + "_n"] = pair[1].counts[g];
      });
    });
    var rows = Object.keys(groups).sort().map(function (g) { return groups[g]; });
    if (!rows.length) {
      box.appendChild(el("p", { class: "empty" }, "Der er endnu ingen vurderede kandidater eller afgjorte sager at revidere."));
      return;
    }
    box.appendChild(KChart.legend([["", "Udvælgelsesrate"], ["b", "Træfsikkerhed"]]));
    var grid = el("div", { class: "grid grid--2" });
    box.appendChild(grid);
    [["selection", "Udvælgelsesrate pr. gruppe ved kapaciteten", "a"], ["precision", "Træfsikkerhed pr. gruppe (modellens afgjorte sager)", "b"]]
      .forEach(function (spec) {
        var holder = el("div", { "data-chart": "fairness-" + spec[0] });
        grid.appendChild(el("div", null, el("h3", { class: "subheading" }, spec[1]), holder));
        var withData = rows.filter(function (r) { return r[spec[0]] !== undefined; });
        if (!withData.length) { holder.appendChild(el("p", { class: "empty" }, "Ingen data endnu.")); return; }
        KChart.bars(holder, {
          title: spec[1],
          desc: withData.map(function (r) { return (GROUPS[r.group] || r.group) + ": " + pct(r[spec[0]]) + " (" + r[spec[0] + "_n"] + ")"; }).join("; ") + ".",
          rows: withData.map(function (r) {
            return { label: GROUPS[r.group] || r.group, segments: [{ value: r[spec[0]], cls: spec[2] }], text: pct(r[spec[0]]) };
          }),
          format: axisPct,
          min: 0, max: 1,
          valueWidth: 56,
        });
      });
    var table = el("div");
    box.appendChild(table);
    KT.dataTable(table, {
      caption: "Fairness pr. gruppe",
      rowHeader: true,
      rows: rows,
      rowAttrs: function (r) { return { "data-group": r.group }; },
      columns: [
        { label: "Gruppe", value: function (r) { return GROUPS[r.group] || r.group; } },
        { label: "Vurderede kandidater", value: function (r) { return KK.format.number(r.selection_n); } },
        { label: "Udvælgelsesrate", value: function (r) { return pct(r.selection); } },
        { label: "Afgjorte sager", value: function (r) { return KK.format.number(r.precision_n); } },
        { label: "Træfsikkerhed", value: function (r) { return pct(r.precision); } },
      ],
    });
    box.appendChild(el("p", { class: "muted" }, report.note + " Tommelfingerregel: et forhold under 0,80 (4/5-reglen) bør undersøges."));
  }

  function loadFairness() {
    return KK.api("/api/v1/reports/fairness").then(fairness, function (error) {
      var box = KK.clear(part("[data-fairness]"));
      if (error.status === 403) {
        box.appendChild(el("p", { class: "message message--static", "data-fairness-refused": "" },
          "Fairness-revisionen kan kun ses af en administrator, fordi den bruger en særlig revisionsdatakilde."));
        return;
      }
      if (error.status !== 401) KT.showError(box, error);
    });
  }

  /* ---------------------------------------------------------------- criteria */

  function criteria(report) {
    KK.clear(part("[data-criteria-legend]")).appendChild(KChart.legend([
      ["", "Træfsikkerhed"], ["whisker", "95 %-interval"], ["ref", "13 % (2018) og 20 % (2017)"],
    ]));
    KChart.bars(part('[data-chart="criteria"]'), {
      title: "Træfsikkerhed pr. kriterie for registersamkøring, med 95 %-intervaller",
      desc: report.items.map(function (i) { return i.label + ": " + pct(i.hit_rate) + " af " + i.closed_cases + " sager"; }).join("; ") + ".",
      rows: report.items.map(function (i) {
        return {
          label: i.label, segments: [{ value: i.hit_rate || 0, cls: "a" }],
          low: i.ci95[0], high: i.ci95[1], text: pct(i.hit_rate),
        };
      }),
      refs: [{ value: 0.13, muted: true }, { value: 0.2 }],
      format: axisPct,
      min: 0, max: 1,
      valueWidth: 56,
    });
    KT.dataTable(part('[data-table="criteria"]'), {
      caption: "Træfsikkerhed og anbefaling pr. kriterie",
      rowHeader: true,
      rows: report.items,
      rowAttrs: function (i) { return { "data-criterion": i.criterion }; },
      columns: [
        { label: "Kriterie", value: function (i) { return i.label; } },
        { label: "Afsluttede sager", value: function (i) { return KK.format.number(i.closed_cases); } },
        { label: "Fund", value: function (i) { return KK.format.number(i.hits); } },
        { label: "Træfsikkerhed", value: function (i) { return pct(i.hit_rate); } },
        { label: "95 %-interval", value: function (i) { return KT.interval(i.ci95); } },
        { label: "Ventende kandidater", value: function (i) { return KK.format.number(i.waiting_candidates); } },
        { label: "Modellens forventning", value: function (i) { return pct(i.model_expected_hit_rate); } },
        { label: "Anbefaling", class: "cell--wrap", value: function (i) { return i.advice; } },
      ],
    }, "Vis tallene og anbefalingerne som tabel");
  }

  KK.page.ready(function () {
    var filter = part('[data-kk-form="savings-filter"]');
    KK.form.bind(filter, function (data) {
      return loadSavings(data.query).then(function () { KK.status("Besparelserne er opdateret."); });
    });
    KK.api("/api/v1/reports/precision").then(precision).catch(function (e) { fail("precision", e); });
    loadSavings().catch(function (e) { fail("savings", e); });
    KK.api("/api/v1/reports/control-group").then(effect).catch(function (e) { fail("effect", e); });
    loadFairness();
    KK.api("/api/v1/reports/criteria").then(criteria).catch(function (e) { fail("criteria", e); });
  });
})();
