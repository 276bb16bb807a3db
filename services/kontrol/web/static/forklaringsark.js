/*
 * The forklaringsark of one case (GET /api/v1/cases/{id}/forklaringsark): the data behind the assessment with
 * source and date, the model version, and each feature's exact contribution (chart + table), with the API's
 * HTML, JSON and PDF exports fetched with the bearer token. Written to be readable by the citizen (aktindsigt).
 */
(function () {
  "use strict";
  var el = KK.el;
  var caseId = KK.page.params.case_id;
  var base = "/api/v1/cases/" + encodeURIComponent(caseId) + "/forklaringsark";
  var CHART_ROWS = 12;
  var logOddsFormat = new Intl.NumberFormat("da-DK", { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "exceptZero" });
  var plainFormat = new Intl.NumberFormat("da-DK", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function signalText(s) {
    var text = s.channel_label + (s.criterion_label ? ": " + s.criterion_label : "");
    if (s.referring_unit) text += " (" + s.referring_unit + ")";
    return text + ", modtaget " + KK.format.date(s.received_on) + ".";
  }

  function renderAssessment(sheet) {
    var box = KK.clear(document.querySelector("[data-sheet-assessment]"));
    var a = sheet.assessment;
    if (!a) {
      box.appendChild(el("p", { "data-control-note": "" }, sheet.control_group_note ||
        "Der er ingen modelvurdering i sagen."));
      return;
    }
    box.appendChild(KT.facts([
      ["Sandsynlighed for samfundsbesparelse", el("strong", { "data-probability": a.probability }, KT.percent(a.probability))],
      ["En gennemsnitlig sag (reference)", KT.percent(a.baseline_probability)],
    ]));
    if (a.reasons && a.reasons.length) {
      box.appendChild(el("h3", { class: "subheading" }, "Det trak vurderingen mest op"));
      box.appendChild(el("ul", { class: "reasons" }, a.reasons.map(function (r) { return el("li", null, r.text); })));
    }
    box.appendChild(el("h3", { class: "subheading" }, "Hvor meget hver oplysning betød"));
    box.appendChild(el("p", null,
      "Søjler til højre trak vurderingen op mod en samfundsbesparelse, søjler til venstre trak den ned. " +
      "Bidragene er målt i log-odds og lægges sammen med referencesagen til den samlede vurdering."));
    var top = a.contributions.slice().sort(function (p, q) { return Math.abs(q.contribution) - Math.abs(p.contribution); })
      .slice(0, CHART_ROWS);
    box.appendChild(KChart.legend([["up", "Trækker op"], ["down", "Trækker ned"]]));
    var chart = el("div", { "data-contribution-chart": "" });
    box.appendChild(chart);
    KChart.bars(chart, {
      title: "Bidrag til vurderingen for de " + top.length + " oplysninger, der betød mest",
      desc: top.map(function (c) { return c.label + " (" + c.value_text + "): " + logOddsFormat.format(c.contribution); }).join("; ") + ".",
      rows: top.map(function (c) {
        return {
          label: c.label,
          segments: [{ value: c.contribution, cls: c.contribution > 0 ? "up" : "down" }],
          text: logOddsFormat.format(c.contribution),
        };
      }),
      format: function (v) { return logOddsFormat.format(v); },
      valueWidth: 70,
    });
    var table = el("div", { "data-contribution-table": "" });
    box.appendChild(table);
    KT.dataTable(table, {
      caption: "Alle oplysninger i modellen og deres bidrag",
      rows: [{ label: "Referencesag (gennemsnit)", value_text: "", contribution: a.baseline_log_odds, baseline: true }]
        .concat(a.contributions)
        .concat([{ label: "I alt", value_text: "", contribution: a.log_odds, total: true }]),
      rowHeader: true,
      columns: [
        { label: "Oplysning", value: function (c) { return c.total ? el("strong", null, c.label) : c.label; } },
        { label: "Værdi", value: function (c) { return c.value_text || "–"; } },
        { label: "Bidrag (log-odds)", value: function (c) {
          if (c.baseline || c.total) return plainFormat.format(c.contribution);
          var cls = c.contribution > 0 ? "contribution--up" : c.contribution < 0 ? "contribution--down" : "";
          var word = c.contribution > 0 ? " (op)" : c.contribution < 0 ? " (ned)" : "";
          return el("span", { class: cls }, logOddsFormat.format(c.contribution) + word);
        } },
      ],
    }, "Vis alle " + a.contributions.length + " oplysninger som tabel");
    box.appendChild(el("details", { class: "details" },
      el("summary", { class: "details__summary" }, "Sådan er bidragene beregnet"),
      el("p", null, a.method)));
  }

  function render(sheet) {
    document.querySelector("[data-sheet-reference]").textContent = sheet.case_reference;
    document.querySelector("[data-sheet-notice]").textContent = sheet.notice + " Arket er dannet " +
      KK.format.dateTime(sheet.generated_at) + ".";
    KK.clear(document.querySelector("[data-sheet-person]")).appendChild(KT.facts([
      ["Navn", sheet.person.name || "Ukendt i CPR"],
      ["CPR-nummer", KT.cprToggle(sheet.person.cpr)],
      ["Adresse", sheet.person.address || "Ukendt i CPR"],
    ]));
    var signals = KK.clear(document.querySelector("[data-sheet-signals]"));
    sheet.signals.forEach(function (s) { signals.appendChild(el("li", null, signalText(s))); });
    // Show the person's data before drawing the charts, so they get their real width.
    document.querySelector("[data-sheet]").hidden = false;
    renderAssessment(sheet);
    KK.table(document.querySelector("[data-sheet-data]"), {
      caption: "Oplysninger med kilde og dato",
      captionHidden: true,
      empty: "Der er ingen oplysninger fra datakilderne.",
      rows: sheet.data,
      rowAttrs: function (d) { return { "data-fact": d.fact }; },
      columns: [
        { label: "Oplysning", value: function (d) { return d.label; } },
        { label: "Værdi", value: function (d) { return d.display; } },
        { label: "Kilde", value: function (d) { return d.source_label; } },
        { label: "Oplysningen gælder", value: function (d) { return KK.format.date(d.as_of); } },
      ],
    });
    KK.table(document.querySelector("[data-sheet-sources]"), {
      caption: "Datakilder, der er spurgt",
      captionHidden: true,
      rows: sheet.sources,
      columns: [
        { label: "Kilde", value: function (s) { return s.label; } },
        { label: "Svar", value: function (s) { return s.status === "ok" ? "Svarede" : "Ingen oplysninger om borgeren"; } },
        { label: "Hentet", value: function (s) { return KK.format.dateTime(s.fetched_at); } },
      ],
    });
    var model = KK.clear(document.querySelector("[data-sheet-model]"));
    if (sheet.model) {
      var snapshot = sheet.model.training_snapshot || {};
      model.appendChild(KT.facts([
        ["Version", String(sheet.model.version), { "data-model-version": sheet.model.version }],
        ["Metode", sheet.model.algorithm],
        ["Trænet", KK.format.dateTime(sheet.model.trained_at)],
        ["Trænet på", snapshot.training_cases !== undefined ? KK.format.number(snapshot.training_cases) + " afsluttede sager" : null],
        ["Kontrolsum", el("span", { class: "code" }, String(sheet.model.artifact_sha256 || "").slice(0, 16))],
      ]));
    } else {
      model.appendChild(el("p", null, "Der var ingen godkendt model, da sagen blev åbnet."));
    }
  }

  function bindDownloads(reference) {
    var types = { pdf: "application/pdf", html: "text/html", json: "application/json" };
    KK.all("[data-download]").forEach(function (button) {
      button.addEventListener("click", function () {
        var format = button.getAttribute("data-download");
        button.disabled = true;
        KT.download(base + "?format=" + format, "forklaringsark-" + reference + "." + format, types[format])
          .then(function () { KK.status("Forklaringsarket er hentet som " + format.toUpperCase() + "."); })
          .catch(function (error) { if (error.status !== 401) KK.alert(error.message); })
          .then(function () { button.disabled = false; });
      });
    });
  }

  KK.page.ready(function () {
    document.querySelector("[data-case-link]").setAttribute("href", "/sager/" + encodeURIComponent(caseId));
    KK.api(base).then(function (sheet) {
      render(sheet);
      bindDownloads(sheet.case_reference);
    }, function (error) {
      if (error.status === 401) return;
      KT.showError(document.querySelector("[data-sheet-problem]"), error);
    });
  });
})();
