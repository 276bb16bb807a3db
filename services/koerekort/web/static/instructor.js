/* The driving instructor's view: start an application for a student and follow its status (never health content). */
(function () {
  "use strict";
  var el = KK.el;

  KK.page.ready(function () {
    var form = document.querySelector('[data-kk-form="start"]');
    var list = document.querySelector("[data-kort-students]");
    var more = document.querySelector("[data-kort-more]");
    var key = KK.idempotencyKey();
    var items = [];
    var cursor = null;

    function fillTypes() {
      return KK.api("/api/v1/guidance/tree", { auth: false }).then(function (tree) {
        var select = form.querySelector("#f-acquisition_type");
        var seen = {};
        tree.results.forEach(function (r) {
          if (!r.can_start_digital_certificate || seen[r.acquisition_type]) return;
          seen[r.acquisition_type] = true;
          select.appendChild(el("option", { value: r.acquisition_type }, r.title));
        });
      });
    }

    function fillCategories() {
      return KORT.activeVersion().then(KORT.definition).then(function (def) {
        KORT.renderPart(form.querySelector("[data-kort-categories]"), {
          categories: def.categories,
          parts: [{ id: "x", items: [{ id: "categories", type: "multichoice", label: "Kategorier", required: true, options_from: "categories" }] }],
        }, "x", {}, { base: "" });
      });
    }

    function timelineToggle(application) {
      var details = el("details", { class: "details" }, el("summary", { class: "details__summary" }, "Vis forløbet"));
      var box = el("div", { "data-kort-timeline-box": "" });
      details.appendChild(box);
      details.addEventListener("toggle", function () {
        if (!details.open || box.childNodes.length) return;
        box.appendChild(el("p", { class: "muted" }, "Henter forløbet …"));
        KK.api("/api/v1/applications/" + encodeURIComponent(application.id)).then(function (detail) {
          KORT.timeline(box, detail.timeline);
        }).catch(function (error) { KK.clear(box); KORT.fail(error); });
      });
      return details;
    }

    function render() {
      list.removeAttribute("aria-busy");
      KK.clear(list);
      if (!items.length) {
        list.appendChild(el("p", { class: "empty" }, "Du har ikke startet ansøgninger for elever endnu."));
        more.hidden = true;
        return;
      }
      list.appendChild(el("ul", { class: "cards cards--list" }, items.map(function (a) {
        return el("li", { class: "card", "data-application-id": a.id },
          el("h3", { class: "card__title" }, "Elev ", el("span", { class: "cpr" }, a.citizen_cpr_masked)),
          // The API's status_text speaks to the citizen ("du"); the instructor gets the neutral label.
          el("p", { class: "card__text" }, "Status: ", KORT.statusTag(a.status, a.status_label)),
          el("p", { class: "card__meta" }, (a.acquisition_title || a.acquisition_type) + " · Kategorier " + a.categories.join(", ") +
            " · Startet " + KK.format.date(a.created_at)),
          timelineToggle(a));
      })));
      more.hidden = !cursor;
    }

    function load(reset) {
      if (reset) { items = []; cursor = null; }
      return KK.api("/api/v1/applications", { query: { limit: 20, cursor: cursor } }).then(function (page) {
        items = items.concat(page.items);
        cursor = page.next_cursor;
        render();
      });
    }

    KK.form.bind(form, function (data) {
      var body = {
        cpr: data.body.cpr || "",
        acquisition_type: data.body.acquisition_type || "",
        categories: data.body.categories || [],
      };
      return KK.api("/api/v1/applications", { method: "POST", body: body, idempotencyKey: key }).then(function (created) {
        key = KK.idempotencyKey();
        form.reset();
        KK.status("Ansøgningen for eleven " + created.citizen_cpr_masked + " er startet. Eleven får besked.");
        return load(true);
      }, function (error) {
        key = KK.idempotencyKey();
        throw error;
      }).then(function () {
        // The CPR number is not kept on the page once it has been sent.
        form.querySelector("#f-cpr").value = "";
      });
    });

    more.addEventListener("click", function () { load(false).catch(KORT.fail); });
    Promise.all([fillTypes(), fillCategories(), load(true)]).catch(KORT.fail);
  });
})();
