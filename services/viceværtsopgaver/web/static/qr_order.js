/*
 * The page a QR code opens (/bestil?t=<token>): the token is kept in sessionStorage (so it survives "Log ind",
 * and is taken out of the address bar), POST /api/v1/qr-scans gives building, room, component and the time,
 * and the order is POST /api/v1/tasks with the scan's id – a task in a few taps.
 */
(function () {
  "use strict";
  var TOKEN_KEY = "vv.qr-token";

  function $(selector) { return document.querySelector(selector); }

  function show(name) {
    ["loading", "missing", "failed", "ready"].forEach(function (part) { $("[data-vv-qr-" + part + "]").hidden = part !== name; });
    $("[data-vv-qr-receipt]").hidden = true;
  }

  /** The token from the link (then dropped from the address bar) or from this tab's storage. */
  function takeToken() {
    var token = new URLSearchParams(location.search).get("t");
    try {
      if (token) {
        sessionStorage.setItem(TOKEN_KEY, token);
        history.replaceState(null, "", location.pathname);
      }
      return token || sessionStorage.getItem(TOKEN_KEY);
    } catch (e) {
      return token;
    }
  }

  function fill(selector, text) {
    var node = $(selector);
    node.textContent = text || "";
    return node;
  }

  function showPlace(scan) {
    var b = scan.building;
    fill("[data-vv-place-name]", b.name);
    fill("[data-vv-place-address]", b.address + ", " + b.postal_code + " " + b.city);
    fill("[data-vv-place-institution]", b.institution_name || "–");
    [["room", scan.room], ["component", scan.component]].forEach(function (pair) {
      fill("[data-vv-place-" + pair[0] + "]", pair[1] ? pair[1].name : "").hidden = !pair[1];
      $("[data-vv-place-" + pair[0] + "-label]").hidden = !pair[1];
    });
    fill("[data-vv-place-time]", KK.format.dateTime(scan.scanned_at));
    var hint = $("[data-vv-qr-hint]");
    hint.hidden = scan.may_order;
    hint.textContent = scan.may_order ? "" : scan.order_hint;
    $("[data-vv-qr-form-panel]").hidden = !scan.may_order;
    show("ready");
  }

  function showReceipt(task) {
    fill("[data-vv-receipt-case]", task.case_number);
    fill("[data-vv-receipt-title]", task.title);
    var status = KK.clear($("[data-vv-receipt-status]"));
    status.appendChild(VV.statusTag(task));
    if (task.assigned_caretaker) status.appendChild(document.createTextNode(" – " + task.assigned_caretaker.name));
    $("[data-vv-receipt-link]").setAttribute("href", "/opgaver/" + task.id);
    $("[data-vv-qr-ready]").hidden = true;
    var receipt = $("[data-vv-qr-receipt]");
    receipt.hidden = false;
    receipt.focus();
  }

  KK.page.ready(function (user) {
    var token = takeToken();
    if (!token) { show("missing"); return; }
    if (!user) { KK.toLogin("Log ind for at bestille en opgave."); return; }
    var scan = null;
    var form = $("[data-vv-order-form]");
    var order = VV.orderForm(form, {
      place: function () { return { qr_scan_id: scan.scan_id }; },
      done: function (task) {
        KK.status("Opgaven er bestilt: " + task.case_number + ".");
        form.reset();
        showReceipt(task);
      },
    });
    $("[data-vv-again]").addEventListener("click", function () {
      $("[data-vv-qr-receipt]").hidden = true;
      $("[data-vv-qr-ready]").hidden = false;
      form.querySelector("select, textarea").focus();
    });
    Promise.all([
      KK.api("/api/v1/qr-scans", { method: "POST", body: { token: token } }),
      VV.loadTaskTypes(order),
    ]).then(function (answers) {
      scan = answers[0];
      showPlace(scan);
    }).catch(function (error) {
      if (error.status === 401) return;
      fill("[data-vv-qr-failed-text]", error.errors && error.errors.length ? error.errors[0].message : error.message);
      show("failed");
      try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ }
    });
  });
})();
