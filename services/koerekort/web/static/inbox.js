/* Borgerservice's inbox: filters (none of them personal data, so they may sit in the query string), the list. */
(function () {
  "use strict";
  var el = KK.el;

  KK.page.ready(function (user) {
    var form = document.querySelector('[data-kk-form="filter"]');
    var box = document.querySelector("[data-kort-inbox]");
    var count = document.querySelector("[data-kort-count]");
    var more = document.querySelector("[data-kort-more]");
    var rows = [];
    var cursor = null;
    var filters = new URLSearchParams();

    function readFilters() {
      var params = new URLSearchParams();
      KK.all("[data-kort-status]:checked", form).forEach(function (c) { params.append("status", c.value); });
      var query = KK.form.collect(form).query;
      Object.keys(query).forEach(function (key) {
        var value = query[key];
        if (key === "plausibility_flagged") { if (value === true) params.set(key, "true"); return; }
        if (value !== "" && value !== null && value !== undefined) params.set(key, String(value));
      });
      return params;
    }

    function plausibility(row) {
      if (row.plausibility_flagged === true) return el("span", { class: "tag tag--warn" }, "Markeret");
      if (row.plausibility_flagged === false) return el("span", { class: "tag" }, "Ikke markeret");
      return el("span", { class: "tag tag--muted" }, "Ikke tjekket endnu");
    }

    function render() {
      box.removeAttribute("aria-busy");
      count.textContent = rows.length === 1 ? "1 erklæring vist." : rows.length + " erklæringer vist.";
      KK.table(box, {
        caption: "Indsendte lægeerklæringer",
        captionHidden: true,
        rows: rows,
        empty: "Ingen erklæringer passer til filtrene.",
        rowAttrs: function (r) { return { "data-certificate-id": r.certificate_id }; },
        columns: [
          { label: "Indsendt", value: function (r) { return KK.format.dateTime(r.submitted_at); } },
          { label: "Borger", value: function (r) { return [el("span", { class: "cpr" }, r.citizen_cpr_masked), " (" + r.citizen_age + " år)"]; } },
          { label: "Kategorier", value: function (r) { return r.categories.join(", ") + " (gruppe " + r.licence_group + ")"; } },
          { label: "Status", value: function (r) { return KORT.statusTag(r.status, r.status_label); } },
          { label: "Plausibilitet", value: plausibility },
          { label: "Indsendelser", value: function (r) { return r.submission_count > 1 ? r.submission_count + " (genindsendt)" : "1"; } },
          { label: "Tildelt", value: function (r) { return !r.assigned_to_sub ? "Ingen" : r.assigned_to_sub === user.sub ? "Dig" : r.assigned_to_sub; } },
          { label: "Handling", value: function (r) {
            var link = el("a", { class: "button button--small", href: "/borgerservice/erklaeringer/" + encodeURIComponent(r.certificate_id) }, "Åbn");
            link.setAttribute("aria-label", "Åbn erklæringen for " + r.citizen_cpr_masked);
            return link;
          } },
        ],
      });
      more.hidden = !cursor;
    }

    function load(reset) {
      if (reset) { rows = []; cursor = null; }
      var params = new URLSearchParams(filters.toString());
      params.set("limit", "50");
      if (cursor) params.set("cursor", cursor);
      box.setAttribute("aria-busy", "true");
      return KK.api("/api/v1/certificates?" + params.toString()).then(function (page) {
        rows = rows.concat(page.items);
        cursor = page.next_cursor;
        render();
      });
    }

    KK.form.bind(form, function () {
      filters = readFilters();
      // A refused filter comes back as /query/<name>: the form's fields carry the same pointers.
      return load(true);
    });
    form.addEventListener("reset", function () {
      window.setTimeout(function () { filters = new URLSearchParams(); load(true).catch(KORT.fail); }, 0);
    });
    more.addEventListener("click", function () { load(false).catch(KORT.fail); });
    load(true).catch(KORT.fail);
  });
})();
