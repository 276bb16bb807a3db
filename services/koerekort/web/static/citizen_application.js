/*
 * The citizen's application: status timeline; while in draft: del A (live validation through the API),
 * the doctor, payment (simulated provider) and the signature; afterwards a read-only summary and withdrawal.
 */
(function () {
  "use strict";
  var el = KK.el;
  var OPEN = ["draft", "with_doctor", "submitted", "in_review", "information_requested"];

  KK.page.ready(function () {
    var id = KK.page.params.application_id;
    var base = "/api/v1/applications/" + encodeURIComponent(id);
    var app = null;
    var def = null;
    var etag = null;
    var liveStarted = false;
    var payKey = KK.idempotencyKey();

    var delAForm = document.querySelector('[data-kk-form="del-a"]');
    var delABox = document.querySelector("[data-kort-del-a]");
    var delAState = document.querySelector("[data-kort-del-a-state]");
    var doctorForm = document.querySelector('[data-kk-form="doctor"]');
    var doctorsBox = document.querySelector("[data-kort-doctors]");
    var paymentForm = document.querySelector('[data-kk-form="payment"]');
    var signForm = document.querySelector('[data-kk-form="sign"]');

    function show(selector, visible) { KK.all(selector).forEach(function (n) { n.hidden = !visible; }); }

    function load() {
      return KK.api(base).then(function (data) {
        app = data;
        return KORT.definition(app.form_version);
      }).then(function (definition) {
        def = definition;
        render();
        if (app.status === "draft") return loadDelA();
        return loadOwnCertificate();
      });
    }

    function render() {
      var draft = app.status === "draft";
      var open = OPEN.indexOf(app.status) !== -1;
      document.querySelector("[data-kort-lead]").textContent =
        (app.acquisition_title || app.acquisition_type) + " · Kategorier: " + app.categories.join(", ");
      var status = KK.clear(document.querySelector("[data-kort-status]"));
      status.appendChild(KORT.statusTag(app.status, app.status_label));
      status.appendChild(document.createTextNode(" " + app.status_text));
      var timelineBox = document.querySelector("[data-kort-timeline]");
      timelineBox.removeAttribute("aria-busy");
      KORT.timeline(timelineBox, app.timeline);
      show("[data-kort-draft]", draft);
      show("[data-kort-draft-sign]", draft);
      show("[data-kort-draft-only]", draft);
      show("[data-kort-after]", !draft);
      show("[data-kort-withdraw-panel]", open);
      renderPayment(open);
      if (draft) renderDoctor();
      else renderSummary();
    }

    /* ------------------------------------------------------------ del A */

    function loadDelA() {
      return KK.api(base + "/del-a", { full: true }).then(function (answer) {
        etag = answer.headers.get("ETag");
        KORT.renderPart(delABox, def, "del_a", { del_a: answer.data.del_a });
        KORT.watchConditions(delAForm);
        stateText(answer.data.validation, false);
        if (!liveStarted) {
          liveStarted = true;
          KK.form.live(delAForm, checkDelA);
        }
      });
    }

    function stateText(validation, saved) {
      var count = validation.errors.length;
      var text = count === 0 ? "Del A er udfyldt uden fejl." : count === 1 ? "Der er 1 fejl i del A." : "Der er " + count + " fejl i del A.";
      delAState.textContent = (saved ? "Gemt. " : "") + text;
    }

    function checkDelA(data) {
      var body = {
        scope: "del_a",
        document: { del_a: data.body.del_a || {} },
        context: { categories: app.categories },
      };
      return KK.api("/api/v1/forms/" + encodeURIComponent(app.form_version) + "/validations", { method: "POST", body: body })
        .then(function (result) {
          if (result.valid) KORT.hideSummary(delAForm);
          if (!result.valid) throw KORT.problem("", result.errors);
        });
    }

    function saveDelA() {
      var body = KK.form.collect(delAForm).body;
      return KK.api(base + "/del-a", { method: "PUT", body: { del_a: body.del_a || {} }, ifMatch: etag, full: true })
        .then(function (answer) {
          etag = answer.headers.get("ETag");
          stateText(answer.data.validation, true);
          return answer.data.validation;
        });
    }

    KK.form.bind(delAForm, function () {
      return saveDelA().then(function (validation) {
        if (validation.errors.length) {
          KK.form.showProblem(delAForm, KORT.problem(
            "Del A er gemt, men har fejl. Ret dem, før du underskriver.", validation.errors));
        } else {
          KK.status("Del A er gemt.");
        }
      });
    });

    /* ------------------------------------------------------------ doctor */

    function doctorText(doctor) {
      return doctor.name + ", " + doctor.clinic_name;
    }

    function renderDoctor() {
      var current = KK.clear(document.querySelector("[data-kort-doctor-current]"));
      if (app.doctor && app.doctor_confirmed) {
        current.appendChild(el("p", { class: "result result--ok", "data-kort-doctor-confirmed": "" },
          "Valgt læge: " + doctorText(app.doctor)));
      } else if (app.own_gp) {
        current.appendChild(el("p", null, "Din egen læge er ", el("strong", null, doctorText(app.own_gp)),
          ". Bekræft lægen, eller vælg en anden."));
      } else {
        current.appendChild(el("p", null, "Vi kunne ikke finde din egen læge. Vælg den læge, du vil bruge."));
      }
      loadDoctors("");
    }

    function loadDoctors(query) {
      return KK.api("/api/v1/doctors", { query: { q: query, limit: 50 } }).then(function (doctors) {
        var chosen = app.doctor ? app.doctor.authorisation_id : null;
        var ownId = app.own_gp ? app.own_gp.authorisation_id : null;
        doctors.sort(function (a, b) { return (b.authorisation_id === ownId) - (a.authorisation_id === ownId); });
        var fieldset = el("fieldset", {
          class: "field fieldset", id: "f-authorisation_id", tabindex: "-1", "data-kk-field": "",
          "data-pointer": "/authorisation_id", "aria-describedby": "f-authorisation_id-error",
        },
          el("legend", { class: "field__label" }, "Læge"),
          el("p", { class: "field__error", id: "f-authorisation_id-error", "data-kk-error": "", hidden: true }),
          doctors.length ? el("div", { class: "choices" }, doctors.map(function (d, index) {
            var inputId = "f-authorisation_id-" + (index + 1);
            var fee = d.certificate_fee_ore > 0 ? "Pris " + KK.format.money(d.certificate_fee_ore) : "Betales hos lægen";
            return el("div", { class: "choice choice--rich" },
              el("input", {
                class: "choice__input", type: "radio", id: inputId, name: "authorisation_id",
                value: d.authorisation_id, checked: d.authorisation_id === chosen,
              }),
              el("label", { class: "choice__label", for: inputId },
                el("strong", null, d.name), d.authorisation_id === ownId ? " (din egen læge)" : "",
                el("span", { class: "choice__meta" }, d.clinic_name + " · " + fee)));
          })) : el("p", { class: "empty" }, "Ingen læger passer til søgningen."));
        KK.clear(doctorsBox).appendChild(fieldset);
      }).catch(KORT.fail);
    }

    var searchTimer = null;
    var search = doctorForm.querySelector("#f-doctor-search");
    search.addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(function () { loadDoctors(search.value.trim()); }, 300);
    });

    KK.form.bind(doctorForm, function (data) {
      return KK.api(base + "/doctor", { method: "PUT", body: { authorisation_id: data.body.authorisation_id || "" } })
        .then(function (updated) {
          app = updated;
          render();
          KK.status("Din læge er valgt: " + doctorText(app.doctor) + ".");
        });
    });

    /* ------------------------------------------------------------ payment */

    function renderPayment(open) {
      var panel = document.querySelector("[data-kort-payment-panel]");
      var box = KK.clear(document.querySelector("[data-kort-payment]"));
      var doctor = app.doctor;
      var paid = app.payment && app.payment.status === "paid";
      panel.hidden = !(open || paid);
      paymentForm.hidden = true;
      if (paid) {
        box.appendChild(el("p", { class: "result result--ok", "data-kort-paid": "" },
          "Betalt " + KK.format.money(app.payment.amount_ore) + " den " + KK.format.dateTime(app.payment.created_at) +
          " (kvittering " + (app.payment.provider_reference || "") + ")."));
        return;
      }
      if (!doctor) {
        box.appendChild(el("p", null, "Prisen afhænger af lægen. Vælg din læge først."));
        return;
      }
      if (doctor.certificate_fee_ore <= 0) {
        box.appendChild(el("p", null, doctor.name + " opkræver betalingen i klinikken."));
        return;
      }
      if (app.payment && app.payment.status === "declined") {
        box.appendChild(el("p", { class: "result result--error" }, "Betalingen blev afvist. Prøv igen, eller betal hos lægen."));
      }
      box.appendChild(el("p", null, "Lægeerklæringen hos " + doctor.name + " koster ",
        el("strong", null, KK.format.money(doctor.certificate_fee_ore)),
        ". Du kan betale nu eller hos lægen."));
      paymentForm.querySelector("button[type=submit]").textContent = "Betal " + KK.format.money(doctor.certificate_fee_ore);
      paymentForm.hidden = !open;
    }

    KK.form.bind(paymentForm, function () {
      return KK.api(base + "/payments", { method: "POST", body: { payment_token: "sim-card-visa" }, idempotencyKey: payKey })
        .then(function (payment) {
          payKey = KK.idempotencyKey();
          app.payment = payment;
          renderPayment(OPEN.indexOf(app.status) !== -1);
          if (payment.status === "paid") KK.status("Betalingen er gennemført.");
          else KK.alert("Betalingen blev afvist.");
        });
    });

    /* ------------------------------------------------------------ signature */

    KK.form.bind(signForm, function (data) {
      var confirm = data.body.confirm === true;
      // Sign what is on the screen: save del A first, then sign that version (If-Match).
      return saveDelA().then(function () {
        return KK.api(base + "/signatures", { method: "POST", body: { confirm: confirm }, ifMatch: etag });
      }).then(function () {
        return load().then(function () {
          KK.status("Din del er underskrevet og sendt til lægen.");
          document.getElementById("status-heading").focus();
        });
      }).catch(function (error) {
        if (error instanceof KK.Problem) {
          var delAErrors = error.errors.filter(function (e) { return String(e.field || "").indexOf("/del_a") === 0; });
          if (delAErrors.length) KK.form.showProblem(delAForm, KORT.problem(error.message, delAErrors), { focus: false, announce: false });
        }
        throw error;
      });
    });

    /* ------------------------------------------------------------ after signing */

    function renderSummary() {
      var box = KK.clear(document.querySelector("[data-kort-summary]"));
      box.appendChild(KORT.facts([
        ["Læge", app.doctor ? doctorText(app.doctor) : "Ikke valgt"],
        ["Del A underskrevet", app.del_a_signed_at ? KK.format.dateTime(app.del_a_signed_at) : ""],
        ["Indsendt af lægen", app.submitted_at ? KK.format.dateTime(app.submitted_at) : ""],
        ["Afgjort", app.decided_at ? KK.format.dateTime(app.decided_at) : ""],
      ]));
    }

    function loadOwnCertificate() {
      return KK.api(base + "/certificate").then(function (own) {
        KK.clear(document.querySelector("[data-kort-answers]")).appendChild(
          KORT.renderAnswers(def, "del_a", own.document, { headingLevel: 3 }));
        var conclusion = KK.clear(document.querySelector("[data-kort-conclusion]"));
        if (own.document.conclusion) {
          conclusion.appendChild(el("h3", null, "Lægens konklusion"));
          conclusion.appendChild(KORT.renderAnswers(def, "conclusion", own.document, { headingLevel: 4 }));
        }
      });
    }

    /* ------------------------------------------------------------ withdrawal */

    var withdraw = document.querySelector("[data-kort-withdraw]");
    var confirmBox = document.querySelector("[data-kort-withdraw-confirm]");
    withdraw.addEventListener("click", function () {
      confirmBox.hidden = false;
      confirmBox.focus();
    });
    document.querySelector("[data-kort-withdraw-no]").addEventListener("click", function () {
      confirmBox.hidden = true;
      withdraw.focus();
    });
    document.querySelector("[data-kort-withdraw-yes]").addEventListener("click", function (event) {
      var button = event.currentTarget;
      button.disabled = true;
      KK.api(base + "/withdrawals", { method: "POST", body: {} }).then(function () {
        confirmBox.hidden = true;
        return load();
      }).then(function () {
        KK.status("Ansøgningen er trukket tilbage.");
        document.getElementById("status-heading").focus();
      }).catch(KORT.fail).then(function () { button.disabled = false; });
    });

    load().catch(KORT.fail);
  });
})();
