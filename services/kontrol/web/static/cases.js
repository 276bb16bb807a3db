/* The caseworker's own cases (GET /api/v1/cases): reference, status, opened, journal number – no personal data. */
(function () {
  "use strict";
  var el = KK.el;
  var state = { rows: [], cursor: null };

  function render() {
    KK.table(document.querySelector("[data-cases]"), {
      caption: "Mine kontrolsager",
      captionHidden: true,
      empty: "Du har ingen kontrolsager. Åbn en sag fra køen.",
      rows: state.rows,
      rowAttrs: function (c) { return { "data-case-id": c.case_id }; },
      columns: [
        { label: "Sag", value: function (c) { return el("a", { href: "/sager/" + encodeURIComponent(c.case_id) }, c.reference); } },
        { label: "Status", value: function (c) { return KT.statusTag(c.status); } },
        { label: "Åbnet", value: function (c) { return el("time", { datetime: c.opened_at }, KK.format.dateTime(c.opened_at)); } },
        { label: "Journalnummer", value: function (c) { return c.journal_number || "Journaliseres"; } },
      ],
    });
    document.querySelector("[data-cases-more]").hidden = !state.cursor;
  }

  function load(append) {
    var query = { limit: 50 };
    if (append && state.cursor) query.cursor = state.cursor;
    return KK.api("/api/v1/cases", { query: query }).then(function (page) {
      state.rows = append ? state.rows.concat(page.items) : page.items;
      state.cursor = page.next_cursor;
      render();
    });
  }

  KK.page.ready(function () {
    document.querySelector("[data-cases-more]").addEventListener("click", function () {
      load(true).catch(function (error) { KK.alert(error.message); });
    });
    load(false).catch(function (error) {
      if (error.status !== 401) KT.showError(document.querySelector("[data-cases]"), error);
    });
  });
})();
