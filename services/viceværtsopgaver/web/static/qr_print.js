/*
 * QR codes to print (/qr-koder; teamleder, servicedesk, admin): find a building, list and create its codes,
 * and print a sheet of labels with the building/room names and the Danish instruction. Print CSS: vv.css.
 * API: GET /api/v1/buildings?q=, /buildings/{id}, /buildings/{id}/qr-codes, /qr-codes/{id}/image;
 *      POST /buildings/{id}/qr-codes, /qr-codes/{id}/revocations (two taps: "Træk tilbage", then "Bekræft").
 */
(function () {
  "use strict";
  var el = KK.el;
  var INSTRUCTION = "Scan koden for at bestille en opgave";

  function $(selector) { return document.querySelector(selector); }

  var state = { building: null };

  function option(value, text) { return el("option", { value: value }, text); }

  function fillSelect(select, placeholder, items) {
    KK.clear(select);
    select.appendChild(option("", placeholder));
    items.forEach(function (item) { select.appendChild(option(item[0], item[1])); });
  }

  function active(code) {
    return !code.revoked_at && !(code.expires_at && new Date(code.expires_at) <= new Date());
  }

  function placeOf(code, building) {
    var rooms = {};
    var parts = {};
    building.rooms.forEach(function (r) { rooms[r.id] = r.name + (r.floor ? " (" + r.floor + ")" : ""); });
    building.components.forEach(function (c) { parts[c.id] = c.name; });
    return [code.room_id && rooms[code.room_id], code.component_id && parts[code.component_id]].filter(Boolean).join(" · ");
  }

  function label(code, building) {
    var place = placeOf(code, building);
    var text = place ? building.name + ", " + place : building.name;
    return el("li", { class: "vv-qr-label", "data-vv-code": code.id },
      VV.image(code.image_png_url + "&module_px=8", "QR-kode: " + text),
      el("span", { class: "vv-qr-label__building" }, building.name),
      el("span", { class: "vv-qr-label__place" }, place || building.address),
      code.label && code.label !== building.name ? el("span", { class: "vv-qr-label__place" }, code.label) : null,
      el("span", { class: "vv-qr-label__instruction" }, INSTRUCTION),
      el("span", { class: "vv-qr-label__meta" }, "Oprettet " + KK.format.date(code.created_at) + (code.expires_at ? " · gælder til " + KK.format.date(code.expires_at) : "")),
      revokeButton(code, text));
  }

  /** "Træk tilbage" asks once more before the code stops working (a printed code on a wall cannot be undone). */
  function revokeButton(code, text) {
    var button = el("button", { type: "button", class: "button button--secondary button--small vv-no-print", "data-vv-revoke": code.id, "aria-label": "Træk tilbage: " + text }, "Træk tilbage");
    var armed = false;
    button.addEventListener("click", function () {
      if (!armed) {
        armed = true;
        button.textContent = "Bekræft: træk tilbage";
        button.setAttribute("aria-label", "Bekræft: træk tilbage: " + text);
        KK.status("Tryk igen for at trække koden tilbage. Den kan derefter ikke bruges til at bestille.");
        return;
      }
      button.disabled = true;
      KK.api("/api/v1/qr-codes/" + code.id + "/revocations", { method: "POST", body: {} }).then(function () {
        return loadCodes().then(function () {
          KK.status("QR-koden er trukket tilbage og taget af arket.");
          $("#sheet-heading").setAttribute("tabindex", "-1");
          $("#sheet-heading").focus();
        });
      }, function (e) { button.disabled = false; KK.alert(e.message); });
    });
    return button;
  }

  function showCodes(codes) {
    var building = state.building;
    var sheet = KK.clear($("[data-vv-sheet]"));
    var usable = codes.filter(active);
    usable.forEach(function (code) { sheet.appendChild(label(code, building)); });
    if (!usable.length) sheet.appendChild(el("li", { class: "empty" }, "Bygningen har ingen gyldige QR-koder. Opret en ovenfor."));
    $("[data-vv-sheet-summary]").textContent = usable.length === 1 ? "1 kode på arket." : usable.length + " koder på arket.";
    $("[data-vv-print]").disabled = !usable.length;
    var inactive = codes.filter(function (c) { return !active(c); });
    $("[data-vv-inactive-panel]").hidden = !inactive.length;
    KK.table($("[data-vv-inactive]"), {
      caption: "Tilbagetrukne og udløbne koder",
      captionHidden: true,
      rows: inactive,
      columns: [
        { label: "Sted", value: function (c) { return placeOf(c, building) || "Hele bygningen"; } },
        { label: "Oprettet", value: function (c) { return KK.format.date(c.created_at); } },
        { label: "Status", value: function (c) { return c.revoked_at ? "Trukket tilbage " + KK.format.date(c.revoked_at) : "Udløbet " + KK.format.date(c.expires_at); } },
      ],
    });
  }

  function loadCodes() {
    return KK.api("/api/v1/buildings/" + state.building.id + "/qr-codes").then(showCodes);
  }

  function chooseBuilding(id) {
    $("[data-vv-building]").hidden = !id;
    if (!id) { state.building = null; return Promise.resolve(); }
    return KK.api("/api/v1/buildings/" + encodeURIComponent(id)).then(function (building) {
      state.building = building;
      $("[data-vv-building-name]").textContent = building.name;
      fillSelect($("#f-room_id"), "Hele bygningen", building.rooms.map(function (r) { return [r.id, r.name + (r.floor ? " (" + r.floor + ")" : "")]; }));
      fillSelect($("#f-component_id"), "Ingen bestemt installation", building.components.map(function (c) { return [c.id, c.name]; }));
      return loadCodes();
    });
  }

  function bindSearch() {
    var form = $("[data-vv-building-search]");
    var select = $("[data-vv-building-select]");
    KK.form.bind(form, function (data) {
      return KK.api("/api/v1/buildings", { query: { q: data.query.q || "", limit: 100 } }).then(function (page) {
        fillSelect(select, page.items.length ? "Vælg en bygning …" : "Ingen bygninger fundet",
          page.items.map(function (b) { return [b.id, b.name + ", " + b.address]; }));
        select.disabled = !page.items.length;
        var n = page.items.length;
        $("[data-vv-building-hint]").textContent = n === 0 ? "Ingen bygninger passer til søgningen." : n === 1 ? "1 bygning fundet." : n + " bygninger fundet" + (page.next_cursor ? " (de første " + n + "; skriv mere for at indsnævre)" : "") + ".";
        KK.status(n === 1 ? "1 bygning fundet." : n + " bygninger fundet.");
        if (n === 1) { select.value = page.items[0].id; return chooseBuilding(page.items[0].id); }
        if (n) select.focus();
        return null;
      });
    });
    select.addEventListener("change", function () {
      chooseBuilding(select.value).catch(function (e) { KK.alert(e.message); });
    });
  }

  function bindCreate() {
    var form = $("[data-vv-new-code]");
    KK.form.bind(form, function (data) {
      return KK.api("/api/v1/buildings/" + state.building.id + "/qr-codes", { method: "POST", body: data.body }).then(function () {
        form.reset();
        return loadCodes().then(function () { KK.status("QR-koden er oprettet og kommet med på arket."); });
      });
    });
  }

  KK.page.ready(function () {
    bindSearch();
    bindCreate();
    $("[data-vv-print]").addEventListener("click", function () { window.print(); });
  });
})();
