/*
 * kort.js – the koerekort pages' small helper (window.KORT), on top of kk.js. Plain JavaScript, no build step.
 *
 *   KORT.definition(version)           the form definition from the API (GET /api/v1/forms/{version}), cached
 *   KORT.renderPart(box, def, part, doc, opts)   form fields for one part (del_a, del_b, supplementary, conclusion)
 *   KORT.applyConditions(form)         show a field only when its `required_when` holds (hidden fields are not sent)
 *   KORT.showWarnings(form, warnings)  non-blocking findings next to their fields ("Bemærk: …")
 *   KORT.renderAnswers(def, part, doc) a read-only view of one part (definition lists)
 *   KORT.describe(def, pointer)        the Danish name of a field pointer ("A. Syn – Synsstyrke, højre øje")
 *   KORT.timeline(box, steps)          the citizen's status timeline (done / now / to come, in words)
 *
 * The form is data (services/koerekort/forms/definitions/*.yaml, served by the API): the pages draw it from
 * that definition, and every rule is applied by the API (validation endpoints), never by a copy in here.
 */
(function () {
  "use strict";

  var el = KK.el;
  var definitions = {};

  /** The form definition of a version (cached per page). */
  function definition(version) {
    if (!definitions[version]) {
      definitions[version] = KK.api("/api/v1/forms/" + encodeURIComponent(version)).catch(function (error) {
        delete definitions[version];
        throw error;
      });
    }
    return definitions[version];
  }

  /** The version new applications use. */
  function activeVersion() {
    return KK.api("/api/v1/forms").then(function (forms) {
      var active = forms.filter(function (f) { return f.status === "active"; });
      var chosen = active[active.length - 1] || forms[forms.length - 1];
      return chosen.version;
    });
  }

  function idFor(pointer) { return "f" + pointer.replace(/[^A-Za-z0-9_]+/g, "-"); }
  function nameFor(pointer) { return pointer.slice(1).split("/").join("."); }

  function getAt(doc, pointer) {
    return pointer.split("/").slice(1).reduce(function (node, key) {
      return node === null || node === undefined ? undefined : node[key];
    }, doc);
  }

  function optionsOf(def, item) {
    if (item.options) return item.options;
    if (item.options_from === "categories") {
      return def.categories.map(function (c) { return { code: c.code, label: c.label }; });
    }
    return [];
  }

  function partOf(def, partId) {
    return def.parts.filter(function (p) { return p.id === partId; })[0];
  }

  function isRequired(item) { return !!(item.required || item.required_when); }

  function legendText(item) {
    // A field the rule table may require (e.g. "beskriv dine Ja-svar") is not marked optional.
    var optional = !isRequired(item) && !item.__ruleRequired && !/\(valgfrit\)/.test(item.label);
    return [item.label, optional ? [" ", el("span", { class: "field__optional" }, "(valgfrit)")] : null];
  }

  function messages(id, hint) {
    return [
      hint ? el("p", { class: "field__hint", id: id + "-hint" }, hint) : null,
      el("p", { class: "field__error", id: id + "-error", "data-kk-error": "", hidden: true }),
      el("p", { class: "field__warning", id: id + "-warning", "data-kort-warning": "", hidden: true }),
    ];
  }

  function describedBy(id, hint) {
    return (hint ? id + "-hint " : "") + id + "-error " + id + "-warning";
  }

  function decimalText(value) {
    if (typeof value !== "number") return value === null || value === undefined ? "" : String(value);
    return value.toLocaleString("da-DK", { minimumFractionDigits: 1, maximumFractionDigits: 3, useGrouping: false });
  }

  function hintFor(item) {
    if (item.help) return item.help;
    if (item.type === "decimal") return "Brug komma, fx 0,8.";
    return null;
  }

  /* ---------------------------------------------------------------- form fields from the definition */

  function choiceGroup(item, pointer, options, value, kind) {
    var id = idFor(pointer);
    var hint = hintFor(item);
    var inline = kind === "boolean";
    var fieldset = el("fieldset", {
      class: "field fieldset" + (inline ? " fieldset--inline" : ""),
      id: id, tabindex: "-1", "data-kk-field": "", "data-pointer": pointer, "data-kind": kind,
      "aria-describedby": describedBy(id, hint),
    }, el("legend", { class: "field__label" }, legendText(item)), messages(id, hint));
    var choices = el("div", { class: "choices" + (kind === "multichoice" && options.length > 6 ? " choices--columns" : "") });
    options.forEach(function (option, index) {
      var inputId = id + "-" + (index + 1);
      var checked = kind === "multichoice"
        ? Array.isArray(value) && value.indexOf(option.code) !== -1
        : value !== undefined && value !== null && String(value) === String(option.code);
      choices.appendChild(el("div", { class: "choice" },
        el("input", {
          class: "choice__input", type: kind === "multichoice" ? "checkbox" : "radio", id: inputId,
          name: nameFor(pointer), value: String(option.code),
          "data-type": kind === "boolean" ? "boolean" : kind === "multichoice" ? "list" : null,
          checked: checked,
        }),
        el("label", { class: "choice__label", for: inputId }, option.label)));
    });
    fieldset.appendChild(choices);
    return fieldset;
  }

  function singleCheckbox(item, pointer, value) {
    var id = idFor(pointer);
    var hint = hintFor(item);
    return el("div", { class: "field field--declaration", "data-kk-field": "" },
      el("p", { class: "field__error", id: id + "-error", "data-kk-error": "", hidden: true }),
      el("p", { class: "field__warning", id: id + "-warning", "data-kort-warning": "", hidden: true }),
      el("div", { class: "choice" },
        el("input", {
          class: "choice__input", type: "checkbox", id: id, name: nameFor(pointer), value: "true",
          "data-type": "boolean", checked: value === true, "aria-describedby": describedBy(id, hint),
        }),
        el("label", { class: "choice__label", for: id }, item.label)),
      hint ? el("p", { class: "field__hint", id: id + "-hint" }, hint) : null);
  }

  function inputField(item, pointer, value) {
    var id = idFor(pointer);
    var hint = hintFor(item);
    var attrs = {
      id: id, name: nameFor(pointer), autocomplete: "off", "aria-describedby": describedBy(id, hint),
      required: isRequired(item), "aria-required": isRequired(item) ? "true" : null,
    };
    var control;
    if (item.type === "text") {
      attrs.class = "input input--textarea";
      attrs.rows = 3;
      control = el("textarea", attrs, value === null || value === undefined ? "" : String(value));
    } else {
      attrs.class = "input";
      attrs.type = item.type === "date" ? "date" : "text";
      if (item.type === "decimal") { attrs.inputmode = "decimal"; attrs["data-type"] = "number"; attrs.class += " input--short"; }
      if (item.type === "integer") { attrs.inputmode = "numeric"; attrs["data-type"] = "integer"; attrs.class += " input--short"; }
      if (item.type === "date") attrs.class += " input--date";
      attrs.value = item.type === "decimal" ? decimalText(value) : value === null || value === undefined ? null : String(value);
      control = el("input", attrs);
    }
    return el("div", { class: "field", "data-kk-field": "" },
      el("label", { class: "field__label", for: id }, legendText(item)), messages(id, hint), control);
  }

  function fieldFor(def, item, pointer, value) {
    if (item.type === "boolean" && item.must_be_true) return singleCheckbox(item, pointer, value);
    if (item.type === "boolean") {
      return choiceGroup(item, pointer, [{ code: "true", label: "Ja" }, { code: "false", label: "Nej" }], value, "boolean");
    }
    if (item.type === "choice") return choiceGroup(item, pointer, optionsOf(def, item), value, "choice");
    if (item.type === "multichoice") return choiceGroup(item, pointer, optionsOf(def, item), value, "multichoice");
    return inputField(item, pointer, value);
  }

  /** Pointers that a `require` rule of the rule table can make mandatory. */
  function ruleRequired(def) {
    if (!def.__ruleRequired) {
      def.__ruleRequired = {};
      (def.rules || []).forEach(function (rule) {
        if (rule.kind === "require") (rule.fields || []).forEach(function (f) { def.__ruleRequired[f] = true; });
      });
    }
    return def.__ruleRequired;
  }

  function renderItems(def, items, base, doc, opts, depth) {
    var nodes = [];
    items.forEach(function (item) {
      var pointer = base + "/" + item.id;
      if (opts.skip && opts.skip.indexOf(pointer) !== -1) return;
      if (item.type === "group") {
        var id = idFor(pointer);
        var group = el("div", { class: "form-group", id: id, role: "group", "aria-labelledby": id + "-title", "data-kort-group": pointer },
          el("h" + Math.min(6, (opts.headingLevel || 3) + depth), { class: "form-group__title", id: id + "-title" }, item.label),
          item.help ? el("p", { class: "field__hint" }, item.help) : null,
          el("p", { class: "field__warning", id: id + "-warning", "data-kort-warning": "", hidden: true }),
          renderItems(def, item.items || [], pointer, doc, opts, depth + 1));
        nodes.push(group);
        return;
      }
      item.__ruleRequired = ruleRequired(def)[pointer] === true;
      var node = fieldFor(def, item, pointer, getAt(doc, pointer));
      if (item.required_when) node.setAttribute("data-kort-when", JSON.stringify(item.required_when));
      nodes.push(node);
    });
    return nodes;
  }

  /** Draw one part of the form as fields (names are JSON pointers, so kk.js builds the API body from them). */
  function renderPart(container, def, partId, doc, opts) {
    var options = opts || {};
    var part = partOf(def, partId);
    var base = options.base !== undefined ? options.base : "/" + partId;
    KK.clear(container);
    renderItems(def, part.items, base, doc || {}, options, 0).forEach(function (n) { container.appendChild(n); });
    return part;
  }

  /** Show a field only while its condition holds; a hidden field's controls are disabled, so it is not sent. */
  function applyConditions(form) {
    var body = null;
    KK.all("[data-kort-when]", form).forEach(function (box) {
      if (body === null) body = KK.form.collect(form).body;
      var when = JSON.parse(box.getAttribute("data-kort-when"));
      var actual = getAt(body, when.field);
      var show = "eq" in when ? actual === when.eq : actual !== undefined && actual !== null;
      box.hidden = !show;
      KK.all("input, select, textarea", box).forEach(function (c) { c.disabled = !show; });
    });
  }

  function watchConditions(form) {
    applyConditions(form);
    form.addEventListener("change", function () { applyConditions(form); });
  }

  /** Non-blocking findings next to their fields (the nearest parent field or group); returns those without a place. */
  function showWarnings(form, warnings) {
    KK.all("[data-kort-warning]", form).forEach(function (p) { KK.clear(p); p.hidden = true; });
    var unplaced = [];
    (warnings || []).forEach(function (warning) {
      var probe = warning.field || "";
      var target = null;
      while (probe && !target) {
        target = form.querySelector("#" + idFor(probe) + "-warning");
        if (target && target.closest("[hidden]")) target = null;
        var cut = probe.lastIndexOf("/");
        probe = cut > 0 ? probe.slice(0, cut) : "";
      }
      if (!target) { unplaced.push(warning); return; }
      if (!target.hidden) { target.appendChild(document.createTextNode(" " + warning.message)); return; }
      target.appendChild(el("strong", null, "Bemærk: "));
      target.appendChild(document.createTextNode(warning.message));
      target.hidden = false;
    });
    return unplaced;
  }

  /** Hide a form's error summary once the API finds nothing wrong any more (live validation). */
  function hideSummary(form) {
    var summary = form.querySelector("[data-kk-error-summary]");
    if (summary) summary.hidden = true;
  }

  /** A KK.Problem from a validation result's errors (so kk.js places them next to the fields). */
  function problem(detail, errors) {
    return new KK.Problem(422, { detail: detail, errors: errors || [] });
  }

  /* ---------------------------------------------------------------- read-only views */

  function answerText(def, item, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)) {
      return "Ikke udfyldt";
    }
    if (item.type === "boolean") return value === true ? "Ja" : value === false ? "Nej" : String(value);
    if (item.type === "decimal") return decimalText(value);
    if (item.type === "date") return KK.format.date(String(value));
    if (item.type === "choice") {
      var found = optionsOf(def, item).filter(function (o) { return o.code === value; })[0];
      return found ? found.label : String(value);
    }
    if (item.type === "multichoice") return Array.isArray(value) ? value.join(", ") : String(value);
    return String(value);
  }

  function answerRows(def, items, base, doc) {
    var rows = [];
    items.forEach(function (item) {
      var pointer = base + "/" + item.id;
      if (item.type === "group") return;
      var value = getAt(doc, pointer);
      var empty = value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
      if (empty && !item.required) return;  // optional and conditional fields left empty say nothing
      var yes = item.type === "boolean" && value === true && !item.must_be_true;
      rows.push(el("div", { class: "answers__row" + (yes ? " answers__row--yes" : ""), "data-pointer": pointer },
        el("dt", null, item.label),
        el("dd", null, yes ? el("strong", null, "Ja") : answerText(def, item, value))));
    });
    return rows;
  }

  /** One part of a certificate, read only: groups with a heading and a definition list each. */
  function renderAnswers(def, partId, doc, opts) {
    var options = opts || {};
    var level = options.headingLevel || 3;
    var part = partOf(def, partId);
    var wrap = el("div", { class: "answers", "data-kort-part-answers": partId });
    var loose = answerRows(def, part.items, "/" + partId, doc || {});
    if (loose.length) wrap.appendChild(el("dl", { class: "answers__list" }, loose));
    part.items.forEach(function (item) {
      if (item.type !== "group") return;
      var pointer = "/" + partId + "/" + item.id;
      var rows = answerRows(def, item.items || [], pointer, doc || {});
      if (!rows.length) return;
      wrap.appendChild(el("h" + level, { class: "answers__heading" }, item.label));
      wrap.appendChild(el("dl", { class: "answers__list" }, rows));
    });
    return wrap;
  }

  function labelIndex(def) {
    if (def.__labels) return def.__labels;
    var index = { "/attachments": "Bilag" };
    function walk(items, base, section) {
      items.forEach(function (item) {
        var pointer = base + "/" + item.id;
        if (item.type === "group") {
          index[pointer] = item.label;
          walk(item.items || [], pointer, item.label);
        } else {
          index[pointer] = section ? section + " – " + item.label : item.label;
        }
      });
    }
    def.parts.forEach(function (part) {
      index["/" + part.id] = part.title;
      walk(part.items, "/" + part.id, part.id === "conclusion" || part.id === "supplementary" ? part.title : "");
    });
    def.__labels = index;
    return index;
  }

  /** The Danish name of a field pointer, for requests and findings shown outside the form. */
  function describe(def, pointer) {
    var index = labelIndex(def);
    var probe = pointer;
    while (probe) {
      if (index[probe]) return index[probe];
      var cut = probe.lastIndexOf("/");
      probe = cut > 0 ? probe.slice(0, cut) : "";
    }
    return pointer;
  }

  /** Field pointers a person can point at: [{pointer, label, section}] for the given parts. */
  function fieldList(def, partIds) {
    var list = [];
    function walk(items, base, section) {
      items.forEach(function (item) {
        var pointer = base + "/" + item.id;
        if (item.type === "group") walk(item.items || [], pointer, item.label);
        else list.push({ pointer: pointer, label: item.label, section: section });
      });
    }
    partIds.forEach(function (partId) {
      var part = partOf(def, partId);
      if (part) walk(part.items, "/" + partId, part.title);
    });
    return list;
  }

  /* ---------------------------------------------------------------- status */

  var STATE_TEXT = { done: "Udført", current: "Nu", pending: "Kommer" };

  /** The status timeline: an ordered list; the state of each step is written, not only shown by colour. */
  function timeline(container, steps) {
    var list = el("ol", { class: "timeline", "data-kort-timeline": "" });
    (steps || []).forEach(function (step) {
      var meta = [];
      if (step.at) meta.push(KK.format.dateTime(step.at));
      if (step.by) meta.push(step.by);
      list.appendChild(el("li", {
        class: "timeline__step timeline__step--" + step.state, "data-step": step.key, "data-state": step.state,
        "aria-current": step.state === "current" ? "step" : null,
      },
        el("span", { class: "timeline__marker", "aria-hidden": "true" }),
        el("div", { class: "timeline__body" },
          el("p", { class: "timeline__label" }, el("strong", null, step.label), " ",
            el("span", { class: "tag timeline__state" }, STATE_TEXT[step.state] || step.state)),
          meta.length ? el("p", { class: "timeline__meta" }, meta.join(" · ")) : null)));
    });
    KK.clear(container).appendChild(list);
    return list;
  }

  var STATUS_CLASS = {
    approved: "tag--ok", returned: "tag--error", withdrawn: "tag--muted",
    information_requested: "tag--warn", with_doctor: "tag--info", draft: "tag--info",
  };

  function statusTag(status, label) {
    return el("span", { class: "tag " + (STATUS_CLASS[status] || "tag--info"), "data-status": status }, label);
  }

  function fileSize(bytes) {
    if (bytes < 1024) return KK.format.number(bytes) + " byte";
    if (bytes < 1024 * 1024) return KK.format.number(Math.round(bytes / 102.4) / 10) + " kB";
    return KK.format.number(Math.round(bytes / (1024 * 102.4)) / 10) + " MB";
  }

  /** A masked CPR number with a button that shows the whole one (for roles that need it to identify the person). */
  function cpr(full) {
    var masked = KK.format.cprMasked(full);
    var digits = String(full || "").replace(/\D/g, "");
    var whole = digits.slice(0, 6) + "-" + digits.slice(6);
    var text = el("span", { class: "cpr", "data-kort-cpr": "" }, masked);
    var button = el("button", { type: "button", class: "button button--secondary button--small", "aria-pressed": "false" },
      "Vis hele CPR-nummeret");
    button.addEventListener("click", function () {
      var show = button.getAttribute("aria-pressed") !== "true";
      text.textContent = show ? whole : masked;
      button.setAttribute("aria-pressed", show ? "true" : "false");
      button.textContent = show ? "Skjul CPR-nummeret" : "Vis hele CPR-nummeret";
    });
    return el("span", { class: "cpr-reveal" }, text, " ", button);
  }

  /** A definition list of facts: [[label, value|Node], ...] (rows with an empty value are left out). */
  function facts(rows) {
    return el("dl", { class: "facts" }, rows.filter(function (r) { return r[1] !== null && r[1] !== undefined && r[1] !== ""; })
      .map(function (r) { return el("div", { class: "facts__item" }, el("dt", null, r[0]), el("dd", null, r[1])); }));
  }

  var titles = null;

  /** acquisition_type -> Danish title, from the public guidance tree. */
  function acquisitionTitles() {
    if (!titles) {
      titles = KK.api("/api/v1/guidance/tree", { auth: false }).then(function (tree) {
        var map = {};
        tree.results.forEach(function (r) { if (!map[r.acquisition_type]) map[r.acquisition_type] = r.title; });
        return map;
      }, function () { titles = null; return {}; });
    }
    return titles;
  }

  /** Fetch a file from the API with the bearer token and hand it to the browser as a download (never in a URL). */
  function download(path, filename) {
    var user = KK.session.get();
    if (!user) { KK.toLogin("Log ind for at fortsætte."); return Promise.resolve(); }
    return fetch(path, { headers: { Authorization: "Bearer " + user.token }, credentials: "omit", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (body) { throw new KK.Problem(response.status, body); });
        }
        return response.blob();
      })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = el("a", { href: url, download: filename, hidden: true });
        document.body.appendChild(link);
        link.click();
        window.setTimeout(function () { URL.revokeObjectURL(url); link.remove(); }, 1000);
      });
  }

  function fail(error) {
    if (error instanceof KK.Problem && error.status === 401) return;
    KK.alert(error && error.message ? error.message : "Der opstod en uventet fejl. Prøv igen.");
    if (!(error instanceof KK.Problem) && window.console) console.error(error);
  }

  window.KORT = {
    definition: definition,
    activeVersion: activeVersion,
    renderPart: renderPart,
    applyConditions: applyConditions,
    watchConditions: watchConditions,
    showWarnings: showWarnings,
    problem: problem,
    hideSummary: hideSummary,
    renderAnswers: renderAnswers,
    answerText: answerText,
    describe: describe,
    fieldList: fieldList,
    timeline: timeline,
    statusTag: statusTag,
    fileSize: fileSize,
    cpr: cpr,
    facts: facts,
    fail: fail,
    acquisitionTitles: acquisitionTitles,
    download: download,
    getAt: getAt,
    idFor: idFor,
  };
})();
