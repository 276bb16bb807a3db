/*
 * Borgerservice's certificate view: the case, the plausibility flag with its reasons, the certificate
 * (read only), attachments, requests to the doctor, history; "tag sagen", "anmod om oplysninger",
 * "godkend" and "returnér". Every action is the API's: the page only shows what the API allows.
 */
(function () {
  "use strict";
  var el = KK.el;
  var DOCTOR_PARTS = ["del_b", "supplementary", "conclusion"];

  /** code -> Danish label from a list of pairs the page carries (non-personal, from the server's constants). */
  function pairs(elementId) {
    var node = document.getElementById(elementId);
    var labels = {};
    try { JSON.parse(node.textContent).forEach(function (pair) { labels[pair[0]] = pair[1]; }); } catch (e) { /* none */ }
    return labels;
  }

  KK.page.ready(function (user) {
    var id = KK.page.params.certificate_id;
    var base = "/api/v1/certificates/" + encodeURIComponent(id);
    var labels = pairs("kort-statuses");
    var kinds = pairs("kort-kinds");
    var view = null;
    var def = null;
    var titles = {};
    var requestForm = document.querySelector('[data-kk-form="request"]');
    var returnForm = document.querySelector('[data-kk-form="return"]');
    var confirmBox = document.querySelector("[data-kort-approve-confirm]");

    function load() {
      return KK.api(base).then(function (data) {
        view = data;
        return Promise.all([KORT.definition(view.form_version), KORT.acquisitionTitles()]);
      }).then(function (loaded) {
        def = loaded[0];
        titles = loaded[1];
        render();
      });
    }

    function render() {
      var delA = view.document.del_a || {};
      document.querySelector("[data-kort-lead]").textContent =
        (titles[view.acquisition_type] || view.acquisition_type) + " · Kategorier " + view.categories.join(", ") +
        " (gruppe " + view.licence_group + ")";
      var facts = document.querySelector("[data-kort-facts]");
      facts.removeAttribute("aria-busy");
      var last = view.submissions[view.submissions.length - 1];
      KK.clear(facts).appendChild(KORT.facts([
        ["Borger", (delA.identity && delA.identity.name) || "Ikke oplyst"],
        ["CPR-nummer", KORT.cpr(view.citizen_cpr)],
        ["Alder", view.citizen_age + " år"],
        ["Status", KORT.statusTag(view.status, view.status_label)],
        ["Læge", [view.doctor.name || "", view.doctor.clinic_name ? ", " + view.doctor.clinic_name : "",
          " (autorisations-id " + view.doctor.authorisation_id + ")"]],
        ["Indsendt", last ? KK.format.dateTime(last.submitted_at) + (view.submissions.length > 1 ? " (indsendelse nr. " + last.sequence + ")" : "") : ""],
        ["Tildelt", !view.assigned_to_sub ? "Ingen" : view.assigned_to_sub === user.sub ? "Dig" : view.assigned_to_sub],
      ]));
      renderPlausibility();
      renderActions();
      renderFindings();
      renderCertificate();
      renderAttachments();
      renderRequests();
      renderHistory();
    }

    function renderPlausibility() {
      var box = KK.clear(document.querySelector("[data-kort-plausibility]"));
      var p = view.plausibility;
      if (!p) {
        box.appendChild(el("p", { class: "muted" }, "Plausibilitetstjekket er ikke kørt endnu. Det kører automatisk kort efter indsendelsen."));
        return;
      }
      if (p.flagged) {
        box.appendChild(el("div", { class: "message message--warning message--static", "data-kort-flag": "" },
          el("p", null, el("strong", null, "Markeret til et ekstra kig. "), "Kombinationen af svar er usædvanlig."),
          el("ul", { class: "reasons" }, p.reasons.map(function (r) {
            return el("li", { "data-reason": r.code }, r.message,
              r.facts ? el("span", { class: "reasons__facts" }, " Værdier: " + r.facts + ".") : null);
          }))));
      } else {
        box.appendChild(el("p", { class: "result result--ok", "data-kort-flag": "none" }, "Ingen markering: svarene ligner almindelige erklæringer."));
      }
      box.appendChild(el("p", { class: "muted" }, p.note + " Tjekket " + KK.format.dateTime(p.checked_at) + ", model " + p.model_version + "."));
    }

    function renderActions() {
      var status = view.status;
      var undecided = ["submitted", "in_review", "information_requested"].indexOf(status) !== -1;
      var decidable = status === "submitted" || status === "in_review";
      var stateText = {
        submitted: "Erklæringen venter på at blive taget.",
        in_review: "Erklæringen er under behandling.",
        information_requested: "Lægen er bedt om flere oplysninger. Du kan godkende, når lægen har indsendt igen.",
        approved: "Erklæringen er godkendt.",
        returned: "Ansøgningen er returneret til borgeren.",
        withdrawn: "Borgeren har trukket ansøgningen tilbage.",
      }[status] || "";
      document.querySelector("[data-kort-action-state]").textContent = stateText;
      document.querySelector("[data-kort-assign-box]").hidden = !(undecided && view.assigned_to_sub !== user.sub);
      document.querySelector("[data-kort-approve-box]").hidden = !decidable;
      document.querySelector("[data-kort-request-box]").hidden = !decidable;
      document.querySelector("[data-kort-return-box]").hidden = !undecided;
      confirmBox.hidden = true;
      renderRequestFields();
    }

    function renderRequestFields() {
      var box = document.querySelector("[data-kort-request-fields]");
      if (box.childNodes.length) return;
      var fields = KORT.fieldList(def, DOCTOR_PARTS).concat([{ pointer: "/attachments", label: "Bilag", section: "Bilag" }]);
      var sections = [];
      fields.forEach(function (f) {
        var last = sections[sections.length - 1];
        if (!last || last.title !== f.section) sections.push({ title: f.section, fields: [f] });
        else last.fields.push(f);
      });
      var fieldset = el("fieldset", {
        class: "field fieldset", id: "f-fields", tabindex: "-1", "data-kk-field": "", "data-pointer": "/fields",
        "aria-describedby": "f-fields-error",
      },
        el("legend", { class: "field__label" }, "Felter i erklæringen"),
        el("p", { class: "field__error", id: "f-fields-error", "data-kk-error": "", hidden: true }),
        sections.map(function (section, s) {
          return el("div", { class: "field-pick" },
            el("p", { class: "field-pick__title" }, section.title),
            el("div", { class: "choices" }, section.fields.map(function (f, i) {
              var inputId = "f-fields-" + s + "-" + i;
              return el("div", { class: "choice" },
                el("input", { class: "choice__input", type: "checkbox", id: inputId, name: "fields", value: f.pointer, "data-type": "list" }),
                el("label", { class: "choice__label", for: inputId }, f.label));
            })));
        }));
      box.appendChild(fieldset);
    }

    function renderFindings() {
      var box = KK.clear(document.querySelector("[data-kort-findings]"));
      var warnings = (view.validation && view.validation.warnings) || [];
      if (!warnings.length) {
        box.appendChild(el("p", { class: "muted" }, "Formularen gav ingen advarsler. (En erklæring med fejl kan ikke indsendes.)"));
        return;
      }
      box.appendChild(el("ul", { class: "findings" }, warnings.map(function (w) {
        return el("li", { "data-field": w.field }, el("strong", null, KORT.describe(def, w.field) + ": "), w.message);
      })));
    }

    function renderCertificate() {
      var box = KK.clear(document.querySelector("[data-kort-certificate]"));
      var requested = {};
      (view.information_requests || []).forEach(function (r) { (r.fields || []).forEach(function (f) { requested[f] = true; }); });
      ["del_a"].concat(DOCTOR_PARTS).forEach(function (partId) {
        var part = def.parts.filter(function (p) { return p.id === partId; })[0];
        box.appendChild(el("h3", { class: "part-title" }, part.title));
        box.appendChild(KORT.renderAnswers(def, partId, view.document, { headingLevel: 4 }));
      });
      KK.all("[data-pointer]", box).forEach(function (row) {
        if (requested[row.getAttribute("data-pointer")]) {
          row.classList.add("answers__row--requested");
          row.querySelector("dt").appendChild(el("span", { class: "tag tag--warn" }, "Spurgt til"));
        }
      });
    }

    function renderAttachments() {
      var box = document.querySelector("[data-kort-attachments]");
      KK.table(box, {
        caption: "Bilag til erklæringen",
        captionHidden: true,
        rows: view.attachments || [],
        empty: "Der er ingen bilag.",
        columns: [
          { label: "Type", value: function (a) { return kinds[a.kind] || a.kind; } },
          { label: "Beskrivelse", value: function (a) { return a.description || ""; }, class: "cell--wrap" },
          { label: "Fil", value: function (a) { return a.filename + " (" + KORT.fileSize(a.size_bytes) + ")"; }, class: "cell--wrap" },
          { label: "Hent", value: function (a) {
            var button = el("button", { type: "button", class: "button button--secondary button--small" }, "Hent bilag");
            button.setAttribute("aria-label", "Hent bilaget " + a.filename);
            var ext = { "application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg" }[a.content_type] || "bin";
            button.addEventListener("click", function () {
              KORT.download(base + "/attachments/" + encodeURIComponent(a.id), "bilag-" + a.id + "." + ext).catch(KORT.fail);
            });
            return button;
          } },
        ],
      });
    }

    function renderRequests() {
      var box = KK.clear(document.querySelector("[data-kort-requests]"));
      var requests = view.information_requests || [];
      if (!requests.length) { box.appendChild(el("p", { class: "muted" }, "Der er ikke bedt lægen om oplysninger.")); return; }
      requests.forEach(function (r) {
        box.appendChild(el("article", { class: "request", "data-request-id": r.id },
          el("h3", { class: "request__title" }, KK.format.dateTime(r.requested_at) + " · " + r.requested_by_sub, " ",
            r.open ? el("span", { class: "tag tag--warn" }, r.answer ? "Besvaret, afventer genindsendelse" : "Afventer lægen")
              : el("span", { class: "tag tag--ok" }, "Afsluttet ved indsendelse nr. " + r.resolved_by_sequence)),
          el("p", null, r.message),
          (r.fields || []).length ? el("p", null, el("strong", null, "Felter: "), r.fields.map(function (f) { return KORT.describe(def, f); }).join("; ")) : null,
          r.answer ? el("p", { class: "request__answer" }, el("strong", null, "Lægens svar: "), r.answer) : null));
      });
    }

    function renderHistory() {
      var roles = KK.config.role_labels || {};
      KK.table(document.querySelector("[data-kort-history]"), {
        caption: "Statusændringer",
        captionHidden: true,
        rows: (view.history || []).slice().reverse(),
        empty: "Intet forløb.",
        columns: [
          { label: "Tidspunkt", value: function (h) { return KK.format.dateTime(h.occurred_at); } },
          { label: "Status", value: function (h) { return labels[h.to_status] || h.to_status; } },
          { label: "Af", value: function (h) { return (roles[h.actor_role] || h.actor_role) + " (" + h.actor_sub + ")"; } },
          { label: "Note", value: function (h) { return h.note || ""; }, class: "cell--wrap" },
        ],
      });
    }

    function after(message) {
      return load().then(function () {
        KK.status(message);
        document.getElementById("actions-heading").focus();
      });
    }

    document.querySelector("[data-kort-assign]").addEventListener("click", function (event) {
      var button = event.currentTarget;
      button.disabled = true;
      KK.api(base + "/assignments", { method: "POST" })
        .then(function () { return after("Du har taget sagen."); })
        .catch(KORT.fail).then(function () { button.disabled = false; });
    });

    var approve = document.querySelector("[data-kort-approve]");
    approve.addEventListener("click", function () { confirmBox.hidden = false; confirmBox.focus(); });
    document.querySelector("[data-kort-approve-no]").addEventListener("click", function () { confirmBox.hidden = true; approve.focus(); });
    document.querySelector("[data-kort-approve-yes]").addEventListener("click", function (event) {
      var button = event.currentTarget;
      button.disabled = true;
      KK.api(base + "/approvals", { method: "POST" })
        .then(function () { return after("Erklæringen er godkendt og sendes til kørekortmyndigheden. Borgeren får besked."); })
        .catch(KORT.fail).then(function () { button.disabled = false; });
    });

    KK.form.bind(requestForm, function (data) {
      return KK.api(base + "/information-requests", {
        method: "POST", body: { message: data.body.message || "", fields: data.body.fields || [] },
      }).then(function () {
        requestForm.reset();
        return after("Anmodningen er sendt til lægen. Borgeren skal ikke gøre noget.");
      });
    });

    KK.form.bind(returnForm, function (data) {
      return KK.api(base + "/returns", { method: "POST", body: { reason: data.body.reason || "" } }).then(function () {
        returnForm.reset();
        return after("Ansøgningen er returneret. Borgeren får begrundelsen med Digital Post.");
      });
    });

    load().catch(KORT.fail);
  });
})();
