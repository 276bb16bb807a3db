/*
 * The doctor's form client: del B, supplementary information and the conclusion drawn from the form
 * definition; live validation through the API's validation endpoint; save draft; attachments; sign and
 * submit; Borgerservice's requests for information and the doctor's answer.
 */
(function () {
  "use strict";
  var el = KK.el;
  var EDITABLE = ["with_doctor", "information_requested"];
  var DOCTOR_PARTS = ["del_b", "supplementary", "conclusion"];

  KK.page.ready(function () {
    var id = KK.page.params.certificate_id;
    var base = "/api/v1/certificates/" + encodeURIComponent(id);
    var view = null;
    var def = null;
    var etag = null;
    var live = null;
    var submitKey = KK.idempotencyKey();
    var kinds = {};

    var form = document.querySelector('[data-kk-form="certificate"]');
    var attachmentForm = document.querySelector('[data-kk-form="attachment"]');
    var signForm = document.querySelector('[data-kk-form="sign"]');
    var validationLine = document.querySelector("[data-kort-validation]");
    var savedLine = document.querySelector("[data-kort-saved]");
    KK.all("#f-kind option", attachmentForm).forEach(function (o) { if (o.value) kinds[o.value] = o.textContent; });

    function fetchView() {
      return KK.api(base, { full: true }).then(function (answer) {
        view = answer.data;
        etag = answer.headers.get("ETag");
        return view;
      });
    }

    function load() {
      return fetchView().then(function () {
        return Promise.all([KORT.definition(view.form_version), KORT.acquisitionTitles()]);
      }).then(function (loaded) {
        def = loaded[0];
        renderApplicant(loaded[1]);
        renderRequests();
        var editable = EDITABLE.indexOf(view.status) !== -1;
        document.querySelector("[data-kort-editable]").hidden = !editable;
        document.querySelector("[data-kort-readonly]").hidden = editable;
        if (editable) renderForm();
        else renderReadonly();
      });
    }

    /* ------------------------------------------------------------ the applicant and del A */

    function renderApplicant(titles) {
      var delA = view.document.del_a || {};
      var name = delA.identity && delA.identity.name;
      document.querySelector("[data-kort-lead]").textContent =
        (titles[view.acquisition_type] || view.acquisition_type) + " · Kategorier " + view.categories.join(", ") +
        " (gruppe " + view.licence_group + ")";
      var box = document.querySelector("[data-kort-applicant]");
      box.removeAttribute("aria-busy");
      KK.clear(box).appendChild(KORT.facts([
        ["Navn", name || "Ikke oplyst"],
        ["CPR-nummer", KORT.cpr(view.citizen_cpr)],
        ["Alder", view.citizen_age + " år"],
        ["Status", KORT.statusTag(view.status, view.status_label)],
        ["Del A underskrevet", KK.format.dateTime(view.del_a_signed_at)],
        ["Din egen patient", view.is_own_gp ? "Ja" : "Nej – angiv begrundelsen i del B"],
        ["Blanketversion", view.form_version],
      ]));
      KK.clear(document.querySelector("[data-kort-del-a]")).appendChild(
        KORT.renderAnswers(def, "del_a", view.document, { headingLevel: 3 }));
      var yes = Object.keys(delA.health || {}).filter(function (k) { return delA.health[k] === true; }).length;
      var details = document.querySelector("[data-kort-del-a-details]");
      details.querySelector("summary").textContent = "Ansøgerens egne svar (del A)" +
        (yes ? " – " + (yes === 1 ? "1 Ja-svar" : yes + " Ja-svar") : " – alle svar Nej");
    }

    /* ------------------------------------------------------------ Borgerservice's requests */

    function renderRequests() {
      var panel = document.querySelector("[data-kort-requests-panel]");
      var box = KK.clear(document.querySelector("[data-kort-requests]"));
      var requests = view.information_requests || [];
      panel.hidden = requests.length === 0;
      requests.slice().reverse().forEach(function (request) {
        var fields = (request.fields || []).map(function (p) { return KORT.describe(def, p); });
        var item = el("article", { class: "request", "data-request-id": request.id },
          el("h3", { class: "request__title" }, "Fra Borgerservice " + KK.format.dateTime(request.requested_at),
            " ", request.open ? el("span", { class: "tag tag--warn" }, "Åben") : el("span", { class: "tag tag--ok" }, "Afsluttet")),
          el("p", { class: "request__message" }, request.message),
          fields.length ? el("p", null, el("strong", null, "Det gælder: "), fields.join("; ")) : null);
        if (request.answer) {
          item.appendChild(el("p", { class: "request__answer" }, el("strong", null, "Dit svar (" + KK.format.dateTime(request.answered_at) + "): "), request.answer));
        } else if (request.open && view.status === "information_requested") {
          item.appendChild(answerForm(request));
        }
        box.appendChild(item);
      });
      markRequestedFields();
    }

    function answerForm(request) {
      var fid = "f-answer-" + request.id;
      var answer = el("form", { class: "form", method: "post", action: "/laege", novalidate: true, "data-kk-form": "answer" },
        el("div", { class: "error-summary", "data-kk-error-summary": "", tabindex: "-1", hidden: true },
          el("h2", { class: "error-summary__title" }, "Der er fejl i formularen"),
          el("ul", { class: "error-summary__list", "data-kk-error-list": "" })),
        el("div", { class: "field", "data-kk-field": "" },
          el("label", { class: "field__label", for: fid }, "Dit svar til Borgerservice"),
          el("p", { class: "field__hint", id: fid + "-hint" }, "Ret også erklæringen nedenfor, hvis det er nødvendigt, og underskriv og indsend den igen."),
          el("p", { class: "field__error", id: fid + "-error", "data-kk-error": "", hidden: true }),
          el("textarea", { class: "input input--textarea", id: fid, name: "message", rows: 3, "aria-describedby": fid + "-hint " + fid + "-error" })),
        el("div", { class: "actions" }, el("button", { type: "submit", class: "button" }, "Send svar")));
      KK.form.bind(answer, function (data) {
        return KK.api(base + "/information-requests/" + encodeURIComponent(request.id) + "/answers", {
          method: "POST", body: { message: data.body.message || "" },
        }).then(function (updated) {
          view.information_requests = view.information_requests.map(function (r) { return r.id === updated.id ? updated : r; });
          renderRequests();
          KK.status("Dit svar er sendt. Ret erklæringen, hvis det er nødvendigt, og underskriv og indsend den igen.");
          document.getElementById("requests-heading").focus();
        });
      });
      return answer;
    }

    function markRequestedFields() {
      KK.all(".field--requested").forEach(function (n) { n.classList.remove("field--requested"); });
      KK.all("[data-kort-requested-note]").forEach(function (n) { n.remove(); });
      (view.information_requests || []).filter(function (r) { return r.open; }).forEach(function (request) {
        (request.fields || []).forEach(function (pointer) {
          var node = document.getElementById(KORT.idFor(pointer));
          var box = node && (node.closest("[data-kk-field]") || node);
          if (!box) return;
          box.classList.add("field--requested");
          var note = el("p", { class: "field__requested", "data-kort-requested-note": "" }, "Borgerservice har spurgt til dette felt.");
          var label = box.querySelector(".field__label, .form-group__title");
          if (label && label.nextSibling) box.insertBefore(note, label.nextSibling);
          else box.appendChild(note);
        });
      });
    }

    /* ------------------------------------------------------------ the form */

    function renderForm() {
      var doc = view.document;
      var skip = view.is_own_gp ? ["/del_b/examination/not_own_gp_reason"] : [];
      DOCTOR_PARTS.forEach(function (partId) {
        KORT.renderPart(form.querySelector('[data-kort-part="' + partId + '"]'), def, partId, doc, { skip: skip });
      });
      KORT.watchConditions(form);
      showValidation(view.validation);
      renderAttachments();
      markRequestedFields();
      if (!live) live = KK.form.live(form, check);
    }

    function body() {
      var data = KK.form.collect(form).body;
      return {
        form_version: view.form_version,
        del_b: data.del_b || {},
        supplementary: data.supplementary || {},
        conclusion: data.conclusion || {},
      };
    }

    function showValidation(result) {
      var errors = result.errors.length;
      var warnings = result.warnings.length;
      var parts = [errors === 0 ? "Ingen fejl" : errors === 1 ? "1 fejl" : errors + " fejl",
        warnings === 0 ? "ingen advarsler" : warnings === 1 ? "1 advarsel" : warnings + " advarsler"];
      validationLine.textContent = parts.join(", ") + (errors ? ". Erklæringen kan indsendes, når fejlene er rettet." : ". Erklæringen kan indsendes.");
      validationLine.className = "validation-state " + (errors ? "validation-state--errors" : "validation-state--ok");
      KORT.showWarnings(form, result.warnings);
    }

    function check() {
      return KK.api(base + "/validations", { method: "POST", body: body() }).then(function (result) {
        showValidation(result);
        if (result.valid) KORT.hideSummary(form);
        if (!result.valid) throw KORT.problem("", result.errors);
      });
    }

    function saveDraft() {
      return KK.api(base + "/draft", { method: "PUT", body: body(), ifMatch: etag, full: true }).then(function (answer) {
        etag = answer.headers.get("ETag");
        showValidation(answer.data.validation);
        return answer.data;
      });
    }

    KK.form.bind(form, function () {
      return saveDraft().then(function (draft) {
        var time = new Intl.DateTimeFormat("da-DK", { timeZone: "Europe/Copenhagen", hour: "2-digit", minute: "2-digit" }).format(new Date());
        savedLine.textContent = "Kladden er gemt kl. " + time + ".";
        var errors = draft.validation.errors;
        if (errors.length) {
          KK.form.showProblem(form, KORT.problem(
            "Kladden er gemt. Der er " + (errors.length === 1 ? "1 fejl" : errors.length + " fejl") + ", der skal rettes, før erklæringen kan indsendes.",
            errors), { focus: false });
        } else {
          KK.status("Kladden er gemt. Erklæringen har ingen fejl og kan underskrives og indsendes.");
        }
      });
    });

    /* ------------------------------------------------------------ attachments */

    function renderAttachments() {
      var box = document.querySelector("[data-kort-attachments]");
      var editable = EDITABLE.indexOf(view.status) !== -1;
      KK.table(box, {
        caption: "Vedhæftede bilag",
        captionHidden: true,
        rows: view.attachments || [],
        empty: "Der er ingen bilag.",
        rowAttrs: function (a) { return { "data-attachment-id": a.id }; },
        columns: [
          { label: "Type", value: function (a) { return kinds[a.kind] || a.kind; } },
          { label: "Fil", value: function (a) { return a.filename + " (" + KORT.fileSize(a.size_bytes) + ")"; }, class: "cell--wrap" },
          { label: "Vedhæftet", value: function (a) { return KK.format.dateTime(a.uploaded_at); } },
          { label: "Handling", value: function (a) {
            if (a.submitted_in_sequence) return "Indsendt med erklæring nr. " + a.submitted_in_sequence;
            if (!editable) return "";
            var remove = el("button", { type: "button", class: "button button--secondary button--small" }, "Fjern");
            remove.setAttribute("aria-label", "Fjern bilaget " + a.filename);
            remove.addEventListener("click", function () { removeAttachment(a, remove); });
            return remove;
          } },
        ],
      });
    }

    function afterAttachmentChange(message) {
      return fetchView().then(function () {
        renderAttachments();
        KK.status(message);
        if (live) live.validate();
      });
    }

    function removeAttachment(attachment, button) {
      button.disabled = true;
      KK.api(base + "/attachments/" + encodeURIComponent(attachment.id), { method: "DELETE" })
        .then(function () {
          return afterAttachmentChange("Bilaget " + attachment.filename + " er fjernet.");
        })
        .then(function () { document.getElementById("attachments-heading").setAttribute("tabindex", "-1"); document.getElementById("attachments-heading").focus(); })
        .catch(function (error) { button.disabled = false; KORT.fail(error); });
    }

    KK.form.bind(attachmentForm, function () {
      var data = new FormData(attachmentForm);
      var file = attachmentForm.querySelector("#f-file").files[0];
      if (!file) data.delete("file");
      if (!data.get("description")) data.delete("description");
      return KK.api(base + "/attachments", { method: "POST", body: data }).then(function (attachment) {
        attachmentForm.reset();
        return afterAttachmentChange("Bilaget " + attachment.filename + " er vedhæftet.");
      });
    });

    /* ------------------------------------------------------------ sign and submit */

    KK.form.bind(signForm, function (data) {
      if (data.body.confirm !== true) {
        throw KORT.problem("Bekræft underskriften, før du indsender.",
          [{ field: "/confirm", message: "Sæt flueben for at underskrive erklæringen." }]);
      }
      return saveDraft().then(function (draft) {
        if (!draft.validation.valid) {
          KK.form.showProblem(form, KORT.problem(
            "Lægeerklæringen indeholder fejl og kan ikke indsendes. Ret fejlene og prøv igen.", draft.validation.errors));
          return null;
        }
        return KK.api(base + "/submissions", { method: "POST", idempotencyKey: submitKey, ifMatch: etag }).then(function () {
          submitKey = KK.idempotencyKey();
          return load().then(function () {
            KK.status("Lægeerklæringen er underskrevet og sendt til Borgerservice.");
            document.getElementById("sent-heading").focus();
          });
        });
      }).catch(function (error) {
        if (error instanceof KK.Problem && error.errors.length && error.status === 422) {
          KK.form.showProblem(form, error);
          return null;
        }
        throw error;
      });
    });

    /* ------------------------------------------------------------ after submission */

    function renderReadonly() {
      var list = KK.clear(document.querySelector("[data-kort-submissions]"));
      var last = (view.submissions || [])[view.submissions.length - 1];
      if (last) {
        list.appendChild(el("p", { class: "result result--ok", "data-kort-submitted": "" },
          "Indsendt " + KK.format.dateTime(last.submitted_at) +
          (view.submissions.length > 1 ? " (indsendelse nr. " + last.sequence + ")" : "") + ". Status: " + view.status_label + "."));
      }
      var answers = KK.clear(document.querySelector("[data-kort-answers]"));
      DOCTOR_PARTS.forEach(function (partId) {
        var part = def.parts.filter(function (p) { return p.id === partId; })[0];
        answers.appendChild(el("h3", null, part.title));
        answers.appendChild(KORT.renderAnswers(def, partId, view.document, { headingLevel: 4 }));
      });
      if ((view.attachments || []).length) {
        answers.appendChild(el("h3", null, "Bilag"));
        answers.appendChild(el("ul", null, view.attachments.map(function (a) {
          return el("li", null, (kinds[a.kind] || a.kind) + ": " + a.filename);
        })));
      }
    }

    load().catch(KORT.fail);
  });
})();
