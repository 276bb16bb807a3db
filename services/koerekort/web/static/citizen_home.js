/* The citizen's overview: own applications with their status, and the way to start a new one. */
(function () {
  "use strict";
  var el = KK.el;
  var OPEN = ["draft", "with_doctor", "submitted", "in_review", "information_requested"];

  KK.page.ready(function () {
    var box = document.querySelector("[data-kort-applications]");
    var start = document.querySelector("[data-kort-start]");
    KK.api("/api/v1/applications", { query: { limit: 50 } }).then(function (page) {
      box.removeAttribute("aria-busy");
      KK.clear(box);
      var open = page.items.filter(function (a) { return OPEN.indexOf(a.status) !== -1; });
      start.hidden = open.length > 0;
      if (!page.items.length) {
        box.appendChild(el("p", { class: "empty" }, "Du har ingen ansøgninger om lægeerklæring."));
        return;
      }
      box.appendChild(el("ul", { class: "cards cards--list" }, page.items.map(function (a) {
        return el("li", { class: "card", "data-application-id": a.id },
          el("h3", { class: "card__title" },
            el("a", { href: "/borger/ansoegninger/" + encodeURIComponent(a.id) }, a.acquisition_title || a.acquisition_type)),
          el("p", { class: "card__text" }, KORT.statusTag(a.status, a.status_label), " ", a.status_text),
          el("p", { class: "card__meta" }, "Kategorier: " + a.categories.join(", ") + " · Oprettet " + KK.format.date(a.created_at)));
      })));
      if (open.length) box.appendChild(el("p", { class: "muted" }, "Du kan have én åben ansøgning ad gangen."));
    }).catch(function (error) {
      box.removeAttribute("aria-busy");
      KK.clear(box);
      KORT.fail(error);
    });
  });
})();
