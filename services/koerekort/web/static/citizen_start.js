/* Start an application: the spørgetræ (guidance tree, answered by the API) and then the categories. */
(function () {
  "use strict";
  var el = KK.el;
  var CERTIFICATE_TEXT = {
    yes: "Du skal have en lægeerklæring.",
    depends: "Det afhænger af din situation, om du skal have en lægeerklæring. Læs forklaringen ovenfor.",
    no: "Du skal ikke have en lægeerklæring.",
  };

  KK.page.ready(function () {
    var answers = {};
    var order = [];
    var texts = {};
    var result = null;
    var questionForm = document.querySelector("[data-kort-question]");
    var fieldBox = document.querySelector("[data-kort-question-field]");
    var pathBox = document.querySelector("[data-kort-path]");
    var resultBox = document.querySelector("[data-kort-result]");
    var createSection = document.querySelector("[data-kort-create]");
    var createForm = document.querySelector('[data-kk-form="create"]');
    var existing = document.querySelector("[data-kort-existing]");
    var createKey = KK.idempotencyKey();

    function renderPath(path) {
      KK.clear(pathBox);
      if (!path.length) return;
      pathBox.appendChild(el("h3", { class: "subheading" }, "Dine svar"));
      pathBox.appendChild(el("ol", { class: "guide-path" }, path.map(function (step) {
        var change = el("button", { type: "button", class: "button button--secondary button--small" }, "Ret svaret");
        change.setAttribute("aria-label", "Ret svaret på: " + (texts[step.question_id] || step.question_id));
        change.addEventListener("click", function () {
          var index = order.indexOf(step.question_id);
          order.splice(index).forEach(function (q) { delete answers[q]; });
          evaluate(true);
        });
        return el("li", { class: "guide-path__item" },
          el("span", { class: "guide-path__question" }, texts[step.question_id] || step.question_id),
          el("strong", { class: "guide-path__answer" }, step.label), change);
      })));
    }

    function renderQuestion(question, focus) {
      texts[question.id] = question.text;
      var id = "q-" + question.id;
      var fieldset = el("fieldset", {
        class: "field fieldset", id: id, tabindex: "-1", "data-kk-field": "", "data-pointer": "/answers/" + question.id,
        "aria-describedby": id + "-error",
      },
        el("legend", { class: "field__label field__label--question" }, question.text),
        el("p", { class: "field__error", id: id + "-error", "data-kk-error": "", hidden: true }),
        el("div", { class: "choices" }, question.options.map(function (option, index) {
          return el("div", { class: "choice" },
            el("input", { class: "choice__input", type: "radio", id: id + "-" + (index + 1), name: "answer", value: option.value }),
            el("label", { class: "choice__label", for: id + "-" + (index + 1) }, option.label));
        })));
      fieldBox.removeAttribute("aria-busy");
      KK.clear(fieldBox).appendChild(fieldset);
      fieldBox.dataset.question = question.id;
      questionForm.hidden = false;
      if (focus) fieldset.focus();
    }

    function renderResult(found) {
      result = found;
      questionForm.hidden = true;
      resultBox.hidden = false;
      document.querySelector("[data-kort-result-title]").textContent = found.title;
      document.querySelector("[data-kort-result-explanation]").textContent = found.explanation;
      var certificate = document.querySelector("[data-kort-result-certificate]");
      certificate.textContent = CERTIFICATE_TEXT[found.certificate_required] || "";
      certificate.className = "result " + (found.certificate_required === "no" ? "result--ok" : "result--info");
      var docs = KK.clear(document.querySelector("[data-kort-result-documents]"));
      found.documents.forEach(function (d) { docs.appendChild(el("li", null, d.text)); });
      createSection.hidden = !found.can_start_digital_certificate;
      document.querySelector("[data-kort-result-title]").focus();
    }

    function evaluate(focus) {
      return KK.api("/api/v1/guidance/evaluations", { method: "POST", body: { answers: answers }, auth: false })
        .then(function (answer) {
          renderPath(answer.path);
          if (answer.result) renderResult(answer.result);
          else {
            result = null;
            resultBox.hidden = true;
            createSection.hidden = true;
            renderQuestion(answer.next_question, focus);
          }
        });
    }

    KK.form.bind(questionForm, function () {
      var question = fieldBox.dataset.question;
      var chosen = questionForm.querySelector('input[name="answer"]:checked');
      if (!chosen) {
        throw new KK.Problem(422, { detail: "Vælg et svar.", errors: [{ field: "/answers/" + question, message: "Vælg et svar." }] });
      }
      answers[question] = chosen.value;
      order.push(question);
      return evaluate(true);
    });

    KORT.activeVersion().then(KORT.definition).then(function (def) {
      KORT.renderPart(document.querySelector("[data-kort-categories]"), {
        categories: def.categories,
        parts: [{ id: "x", items: [{ id: "categories", type: "multichoice", label: "Kategorier, du søger om", required: true, options_from: "categories" }] }],
      }, "x", {}, { base: "" });
    }).catch(KORT.fail);

    KK.form.bind(createForm, function (data) {
      existing.hidden = true;
      var body = { acquisition_type: result ? result.acquisition_type : "", categories: data.body.categories || [] };
      return KK.api("/api/v1/applications", { method: "POST", body: body, idempotencyKey: createKey })
        .then(function (application) {
          KK.flash("Ansøgningen er startet. Udfyld dine helbredsoplysninger (del A).");
          location.assign("/borger/ansoegninger/" + encodeURIComponent(application.id));
        })
        .catch(function (error) {
          if (error instanceof KK.Problem && error.problem.application_id) {
            KK.clear(existing).appendChild(el("a", { href: "/borger/ansoegninger/" + encodeURIComponent(error.problem.application_id) },
              "Gå til din åbne ansøgning"));
            existing.hidden = false;
          }
          createKey = KK.idempotencyKey();
          throw error;
        });
    });

    evaluate(false).catch(KORT.fail);
  });
})();
