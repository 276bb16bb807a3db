/*
 * The administrator's settings page: the unit's settings (GET /api/v1/settings with its ETag), changes
 * (PATCH /api/v1/settings with If-Match and a reason; the API's Danish field errors appear next to the fields,
 * a stale ETag gives 412), the version history (GET /api/v1/settings/versions), the model versions
 * (GET /api/v1/model-versions) and retraining (POST /api/v1/model-versions/trainings, a queued task).
 * "Ufuldstændige kandidater": GET /api/v1/incomplete-candidates (reference, missing register, the failed run)
 * and "Prøv igen", which replays that run's dead letter (POST /api/v1/dead-letters/{id}/replays).
 */
(function () {
  "use strict";
  var el = KK.el;
  var LABELS = {
    capacity_per_period: "Kapacitet pr. periode",
    capacity_period: "Periode",
    control_share: "Andel til kontrolgruppen",
    gathering_rate_per_hour: "Dataindsamlinger pr. time",
    gathering_paused: "Dataindsamling på pause",
    min_probability: "Mindste sandsynlighed",
    precision_alert_threshold: "Alarmgrænse for træfsikkerhed",
  };
  var SHARES = { control_share: true, min_probability: true, precision_alert_threshold: true };
  var MODEL_STATUS = {
    promoted: ["I brug", "tag--ok"],
    retired: ["Udfaset", ""],
    rejected: ["Afvist", "tag--error"],
  };
  var state = { etag: null, settings: null, history: [], cursor: null };
  var decimal = new Intl.NumberFormat("da-DK", { maximumFractionDigits: 4 });

  /** A value as people read it: "Uge", "Ja", "0,5 (50 %)". */
  function show(name, value) {
    if (value === null || value === undefined) return "–";
    if (name === "capacity_period") return value === "month" ? "Måned" : "Uge";
    if (typeof value === "boolean") return value ? "Ja" : "Nej";
    if (SHARES[name]) return decimal.format(value) + " (" + KT.percent(value, 1) + ")";
    return KK.format.number(value);
  }

  function renderCurrent(settings) {
    var box = KK.clear(document.querySelector("[data-current]"));
    var pairs = Object.keys(LABELS).map(function (name) {
      return [LABELS[name], show(name, settings[name]), { "data-setting": name }];
    });
    pairs.push(["Version", String(settings.version), { "data-setting": "version" }]);
    pairs.push(["Senest ændret", KK.format.dateTime(settings.updated_at) + " af " + settings.updated_by]);
    box.appendChild(KT.facts(pairs));
  }

  /** Put the current values in the form (decimals with a comma, as the Danish number fields expect). */
  function fillForm(form, settings) {
    Object.keys(LABELS).forEach(function (name) {
      var value = settings[name];
      if (name === "capacity_period") {
        KK.all('input[name="capacity_period"]', form).forEach(function (r) { r.checked = r.value === value; });
      } else if (name === "gathering_paused") {
        form.querySelector('[name="gathering_paused"]').checked = !!value;
      } else {
        form.querySelector('[name="' + name + '"]').value = SHARES[name] ? String(value).replace(".", ",") : String(value);
      }
    });
    form.querySelector('[name="reason"]').value = "";
  }

  function loadSettings() {
    return KK.api("/api/v1/settings", { full: true }).then(function (answer) {
      state.etag = answer.headers.get("ETag");
      state.settings = answer.data;
      renderCurrent(answer.data);
      fillForm(document.querySelector('[data-kk-form="settings"]'), answer.data);
    });
  }

  function changeList(changes) {
    return el("ul", { class: "changes" }, Object.keys(changes).map(function (name) {
      var change = changes[name];
      return el("li", { "data-change": name },
        el("span", { class: "changes__name" }, (LABELS[name] || name) + ": "),
        show(name, change.old), " → ", el("strong", null, show(name, change["new"])));
    }));
  }

  function renderHistory() {
    KK.table(document.querySelector("[data-history]"), {
      caption: "Ændringer af indstillingerne, nyeste først",
      captionHidden: true,
      empty: "Indstillingerne er ikke ændret endnu.",
      rows: state.history,
      rowAttrs: function (v) { return { "data-version": v.version }; },
      columns: [
        { label: "Version", value: function (v) { return String(v.version); } },
        { label: "Tidspunkt", value: function (v) { return el("time", { datetime: v.changed_at }, KK.format.dateTime(v.changed_at)); } },
        { label: "Ændret af", value: function (v) {
          return v.changed_by + " (" + ((KK.config.role_labels || {})[v.changed_by_role] || v.changed_by_role) + ")";
        } },
        { label: "Ændringer", class: "cell--wrap", value: function (v) { return changeList(v.changes); } },
        { label: "Begrundelse", class: "cell--wrap", value: function (v) { return v.reason || el("span", { class: "muted" }, "Ingen begrundelse"); } },
      ],
    });
    document.querySelector("[data-history-more]").hidden = !state.cursor;
  }

  function loadHistory(append) {
    var query = { limit: 20 };
    if (append && state.cursor) query.cursor = state.cursor;
    return KK.api("/api/v1/settings/versions", { query: query }).then(function (page) {
      state.history = append ? state.history.concat(page.items) : page.items;
      state.cursor = page.next_cursor;
      renderHistory();
    });
  }

  function metric(v, name) {
    var value = v.metrics ? v.metrics[name] : null;
    return value === null || value === undefined ? "–" : KT.percent(value, 1);
  }

  function modelStatus(v) {
    var entry = MODEL_STATUS[v.status] || [v.status, ""];
    return el("span", { class: "tag nowrap " + entry[1], "data-model-status": v.status }, entry[0]);
  }

  function renderModels(versions) {
    KK.table(document.querySelector("[data-models]"), {
      caption: "Modelversioner, nyeste først",
      captionHidden: true,
      empty: "Der er ikke trænet nogen model endnu.",
      rows: versions,
      rowAttrs: function (v) { return { "data-model-version": v.version }; },
      columns: [
        { label: "Version", value: function (v) { return String(v.version); } },
        { label: "Status", value: modelStatus },
        { label: "Træfsikkerhed ved kapacitetsgrænsen", value: function (v) { return metric(v, "precision_at_cut"); } },
        { label: "AUC", value: function (v) {
          var auc = v.metrics ? v.metrics.auc : null;
          return auc === null || auc === undefined ? "–" : decimal.format(Math.round(auc * 1000) / 1000);
        } },
        { label: "Testsager", value: function (v) {
          return v.training_snapshot ? KK.format.number(v.training_snapshot.heldout_cases) + " af " +
            KK.format.number(v.training_snapshot.cases) : "–";
        } },
        { label: "Trænet", value: function (v) {
          return el("span", null, el("time", { datetime: v.trained_at }, KK.format.dateTime(v.trained_at)),
            el("span", { class: "score__detail" }, "af " + v.trained_by));
        } },
        { label: "Taget i brug", value: function (v) { return v.promoted_at ? KK.format.dateTime(v.promoted_at) : "–"; } },
      ],
    });
  }

  function loadModels() {
    return KK.api("/api/v1/model-versions").then(renderModels);
  }

  function bindForm() {
    var form = document.querySelector('[data-kk-form="settings"]');
    KK.form.bind(form, function (data) {
      return KK.api("/api/v1/settings", { method: "PATCH", body: data.body, ifMatch: state.etag, full: true })
        .then(function (answer) {
          var changed = !state.settings || answer.data.version !== state.settings.version;
          state.etag = answer.headers.get("ETag");
          state.settings = answer.data;
          renderCurrent(answer.data);
          fillForm(form, answer.data);
          KK.status(changed ? "Indstillingerne er gemt som version " + answer.data.version + "."
            : "Intet er ændret: værdierne var de samme.");
          return loadHistory(false);
        }, function (error) {
          if (error instanceof KK.Problem && error.status === 412) {
            // Someone else saved first: show their values; the user decides again.
            return loadSettings().then(function () {
              loadHistory(false).catch(function () { /* the message below is what matters */ });
              throw new KK.Problem(412, {
                detail: error.message + " Siden viser nu de gældende værdier.",
              });
            });
          }
          throw error;
        });
    });
  }

  function bindRetrain() {
    var button = document.querySelector("[data-retrain]");
    button.addEventListener("click", function () {
      if (button.getAttribute("aria-busy") === "true") return;
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
      var box = KK.clear(document.querySelector("[data-retrain-result]"));
      KK.api("/api/v1/model-versions/trainings", { method: "POST" }).then(function (answer) {
        var text = "Gentræningen er sat i kø. Den nye version vises her, når opgaven er kørt.";
        box.appendChild(el("p", { class: "result result--ok", "data-retrain-request": answer.request_id }, text));
        KK.status(text);
      }, function (error) {
        KT.showError(box, error);
      }).then(function () {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
    });
  }

  /* ---------------------------------------------------------------- incomplete candidates and "Prøv igen" */

  function missingCell(item) {
    var missing = item.gathering.missing_sources || [];
    if (!missing.length) return el("span", { class: "muted" }, "Ukendt kilde");
    return el("ul", { class: "reasons" }, missing.map(function (m) {
      return el("li", { "data-source": m.source }, el("strong", null, m.label),
        m.reason ? el("span", { class: "score__detail" }, m.reason) : null);
    }));
  }

  function retryCell(item) {
    var letter = item.dead_letter;
    if (!letter) {
      // The run did not end as a failed event (e.g. it was removed): a caseworker can order a new gathering.
      return el("span", { class: "muted" }, "Ingen fejlet indhentning at sende igen. Bestil en ny indhentning.");
    }
    if (letter.replayed_at) {
      return el("span", { "data-replayed": letter.id },
        "Sendt igen " + KK.format.dateTime(letter.replayed_at) + " af " + letter.replayed_by +
        ". Venter på, at registret svarer.");
    }
    var button = el("button", { type: "button", class: "button button--small", "data-replay": letter.id },
      "Prøv igen", el("span", { class: "visually-hidden" }, " for " + item.reference));
    button.addEventListener("click", function () { replay(item, button); });
    return button;
  }

  function renderIncomplete(items) {
    var box = document.querySelector("[data-incomplete]");
    box.setAttribute("aria-busy", "false");
    KK.table(box, {
      caption: "Ufuldstændige kandidater",
      captionHidden: true,
      empty: "Der er ingen ufuldstændige kandidater. Alle indhentninger er gennemført eller bliver stadig prøvet igen automatisk.",
      rows: items,
      rowAttrs: function (item) { return { "data-incomplete-candidate": item.reference }; },
      columns: [
        { label: "Sag", value: function (i) { return el("strong", { class: "nowrap" }, i.reference); } },
        { label: "Mangler svar fra", class: "cell--wrap", value: missingCell },
        { label: "Sidste forsøg", value: function (i) {
          return i.dead_letter ? KK.format.dateTime(i.dead_letter.failed_at) : "–";
        } },
        { label: "Handling", class: "cell--wrap", value: retryCell },
      ],
    });
  }

  function loadIncomplete() {
    return KK.api("/api/v1/incomplete-candidates").then(renderIncomplete);
  }

  function replay(item, button) {
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    KK.api("/api/v1/dead-letters/" + encodeURIComponent(item.dead_letter.id) + "/replays", { method: "POST" })
      .then(function () {
        KK.status("Indhentningen for " + item.reference + " er sendt igen. Kun det manglende register bliver spurgt; " +
          "kandidaten vurderes og kommer i køen, når det har svaret.");
        return loadIncomplete();
      }, function (error) {
        button.disabled = false;
        button.removeAttribute("aria-busy");
        KK.alert("Indhentningen for " + item.reference + " kunne ikke sendes igen: " + error.message);
      })
      .then(function () {
        // The row is redrawn: keep the keyboard user in the section rather than on a removed button.
        if (!document.contains(button)) document.getElementById("incomplete-heading").focus();
      }, function (error) { KK.alert(error.message); });
  }

  KK.page.ready(function () {
    bindForm();
    bindRetrain();
    document.querySelector("[data-incomplete-refresh]").addEventListener("click", function () {
      loadIncomplete().then(function () { KK.status("Listen over ufuldstændige kandidater er opdateret."); },
        function (error) { KK.alert(error.message); });
    });
    loadIncomplete().catch(function (error) {
      if (error.status !== 401) KT.showError(document.querySelector("[data-incomplete]"), error);
    });
    document.querySelector("[data-history-more]").addEventListener("click", function () {
      loadHistory(true).catch(function (error) { KK.alert(error.message); });
    });
    loadSettings().catch(function (error) {
      if (error.status !== 401) KT.showError(document.querySelector("[data-current]"), error);
    });
    loadHistory(false).catch(function (error) {
      if (error.status !== 401) KT.showError(document.querySelector("[data-history]"), error);
    });
    loadModels().catch(function (error) {
      if (error.status !== 401) KT.showError(document.querySelector("[data-models]"), error);
    });
  });
})();
