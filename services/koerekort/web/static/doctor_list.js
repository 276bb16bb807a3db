/* The doctor's list: certificates assigned to them (the citizen chose them and signed del A). */
(function () {
  "use strict";
  var el = KK.el;
  var ALL = ["with_doctor", "information_requested", "submitted", "in_review", "approved", "returned", "withdrawn"];

  KK.page.ready(function () {
    var box = document.querySelector("[data-kort-certificates]");
    var count = document.querySelector("[data-kort-count]");
    var more = document.querySelector("[data-kort-more]");
    var showAll = document.getElementById("f-show-all");
    var rows = [];
    var cursor = null;

    function path() {
      var params = new URLSearchParams();
      if (showAll.checked) ALL.forEach(function (s) { params.append("status", s); });
      params.set("limit", "50");
      if (cursor) params.set("cursor", cursor);
      return "/api/v1/certificates?" + params.toString();
    }

    function action(row) {
      var editable = row.status === "with_doctor" || row.status === "information_requested";
      var text = row.status === "information_requested" ? "Besvar og ret" : editable ? "Udfyld" : "Se";
      var link = el("a", { class: "button button--small", href: "/laege/erklaeringer/" + encodeURIComponent(row.certificate_id) }, text);
      link.setAttribute("aria-label", text + " erklæringen for " + row.citizen_cpr_masked);
      return link;
    }

    function render() {
      box.removeAttribute("aria-busy");
      count.textContent = rows.length === 1 ? "1 erklæring." : rows.length + " erklæringer.";
      KK.table(box, {
        caption: "Tildelte lægeerklæringer",
        captionHidden: true,
        rows: rows,
        empty: "Der er ingen erklæringer, der venter på dig.",
        rowAttrs: function (r) { return { "data-certificate-id": r.certificate_id }; },
        columns: [
          { label: "Ansøger", value: function (r) { return [el("span", { class: "cpr" }, r.citizen_cpr_masked), " (" + r.citizen_age + " år)"]; } },
          { label: "Kategorier", value: function (r) { return r.categories.join(", ") + " (gruppe " + r.licence_group + ")"; } },
          { label: "Status", value: function (r) { return KORT.statusTag(r.status, r.status_label); } },
          { label: "Del A underskrevet", value: function (r) { return KK.format.dateTime(r.del_a_signed_at); } },
          { label: "Handling", value: action },
        ],
      });
      more.hidden = !cursor;
    }

    function load(reset) {
      if (reset) { rows = []; cursor = null; }
      box.setAttribute("aria-busy", "true");
      return KK.api(path()).then(function (page) {
        rows = rows.concat(page.items);
        cursor = page.next_cursor;
        render();
      }).catch(KORT.fail);
    }

    showAll.addEventListener("change", function () { load(true); });
    more.addEventListener("click", function () { load(false); });
    document.querySelector("[data-kort-filter]").addEventListener("submit", function (e) { e.preventDefault(); });
    load(true);
  });
})();
