/*
 * Reports (/rapporter): for each report the API's JSON (title, columns, rows, summary), its SVG chart fetched
 * with the token and shown as an <img> with a text alternative, the same numbers as a table, and CSV download.
 * The period and department are validated by the API (its Danish messages appear next to the fields).
 * API: GET /api/v1/reports/{name}, /api/v1/reports/{name}/chart?format=svg, ?format=csv.
 */
(function () {
  "use strict";
  var el = KK.el;
  var SUMMARY = {
    total_hours: "Timer i alt",
    hours: "Timer i alt",
    tasks: "Opgaver",
    created: "Oprettet",
    solved: "Løst",
    median_lead_hours: "Median gennemløbstid (timer)",
    first_visit: "Løst ved første besøg",
    share_percent: "Løst ved første besøg (%)",
  };

  var urls = {};  // report name -> its object URL (revoked when replaced)

  function value(v) { return typeof v === "number" ? KK.format.number(v) : v === null || v === undefined ? "–" : String(v); }

  function renderReport(section, report) {
    var name = report.name;
    section.querySelector("[data-vv-report-title]").textContent = report.title;
    section.querySelector("[data-vv-report-period]").textContent = "Periode: " + KK.format.date(report.from_date) + " – " + KK.format.date(report.to_date) + ".";
    var summary = KK.clear(section.querySelector("[data-vv-report-summary]"));
    Object.keys(report.summary).forEach(function (key) {
      summary.appendChild(el("li", null, el("strong", null, value(report.summary[key])), SUMMARY[key] || key));
    });
    summary.hidden = !Object.keys(report.summary).length;
    var figure = KK.clear(section.querySelector("[data-vv-report-figure]"));
    if (!report.rows.length) {
      figure.appendChild(el("p", { class: "empty" }, "Ingen data i perioden."));
    } else {
      var img = el("img", { alt: "Søjlediagram: " + report.title + ". Tallene står i tabellen under figuren.", "data-vv-chart": name });
      figure.appendChild(img);
      figure.appendChild(el("figcaption", null, report.title + " (højst 15 søjler). Kilde: viceværternes tidsregistrering og opgaver."));
      VV.blob(report.chart_svg_url).then(function (data) {
        if (urls[name]) URL.revokeObjectURL(urls[name]);
        urls[name] = URL.createObjectURL(data);
        img.src = urls[name];
      }, function () { img.alt = "Figuren kunne ikke hentes. Tallene står i tabellen."; });
    }
    KK.table(section.querySelector("[data-vv-report-table]"), {
      caption: report.title,
      empty: "Ingen data i perioden.",
      rows: report.rows,
      rowHeader: true,
      columns: report.columns.map(function (c) { return { label: c.title, value: function (row) { return value(row[c.key]); } }; }),
    });
    var csv = section.querySelector("[data-vv-report-csv]");
    csv.onclick = function () {
      VV.download(report.csv_url, name + "-" + report.from_date + "-" + report.to_date + ".csv").then(function () {
        KK.status("Regnearket er hentet.");
      }, function (e) { KK.alert(e.message); });
    };
  }

  function loadAll(query) {
    var sections = KK.all("[data-vv-report]");
    return Promise.all(sections.map(function (section) {
      return KK.api("/api/v1/reports/" + section.getAttribute("data-vv-report"), { query: query });
    })).then(function (reports) {
      reports.forEach(function (report, index) { renderReport(sections[index], report); });
      return reports;
    });
  }

  KK.page.ready(function () {
    var form = document.querySelector("[data-vv-report-filter]");
    KK.form.bind(form, function (data) {
      return loadAll(data.query).then(function () { KK.status("Rapporterne er opdateret."); });
    });
    loadAll({}).then(function (reports) {
      if (!reports.length) return;
      form.querySelector("[name=from_date]").value = reports[0].from_date;
      form.querySelector("[name=to_date]").value = reports[0].to_date;
    }).catch(function (e) { KK.alert(e.message); });
  });
})();
