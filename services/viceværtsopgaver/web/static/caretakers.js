/*
 * The team leader's caretakers (/vicevaerter; teamleder, admin), phone first: each caretaker of the own teams
 * as a card with skills, working days and hours and current/upcoming absences; inline forms to change skills and
 * hours (PATCH with If-Match) and to register an absence; "Slet" (tap twice) removes an absence. The API decides
 * who may see and change whom (a team leader only their own teams) and checks every value; its Danish messages
 * appear next to the fields. Dispatch reads the same records, so an absence today means no new tasks today.
 * API: GET /api/v1/teams, /skills, /caretakers?team_id, /caretakers/{id}, /caretakers/{id}/absences?from_date;
 *      PATCH /caretakers/{id} (If-Match); POST /caretakers/{id}/absences; DELETE /caretakers/{id}/absences/{id}.
 */
(function () {
  "use strict";
  var el = KK.el;
  var WEEKDAYS = [[1, "Mandag", "man"], [2, "Tirsdag", "tir"], [3, "Onsdag", "ons"], [4, "Torsdag", "tor"], [5, "Fredag", "fre"], [6, "Lørdag", "lør"], [7, "Søndag", "søn"]];
  var KINDS = [["syg", "Sygdom"], ["ferie", "Ferie"], ["kursus", "Kursus"], ["andet", "Andet"]];
  var KIND_NAMES = KINDS.reduce(function (names, k) { names[k[0]] = k[1]; return names; }, {});
  var localDay = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Copenhagen", year: "numeric", month: "2-digit", day: "2-digit" });

  var state = { user: null, teams: {}, shownTeams: [], skills: [], teamId: "", caretakers: {}, absences: {}, today: "" };

  function $(selector) { return document.querySelector(selector); }

  /* ---------------------------------------------------------------- texts */

  /** "man–fre", "man, ons, fre" or "Ingen faste arbejdsdage". */
  function daysText(days) {
    var sorted = (days || []).slice().sort();
    if (!sorted.length) return "Ingen faste arbejdsdage";
    if (sorted.length === 7) return "Alle ugens dage";
    var runs = [];
    sorted.forEach(function (d) {
      var last = runs[runs.length - 1];
      if (last && d === last[1] + 1) last[1] = d; else runs.push([d, d]);
    });
    return runs.map(function (r) {
      var a = WEEKDAYS[r[0] - 1][2], b = WEEKDAYS[r[1] - 1][2];
      return r[0] === r[1] ? a : r[1] === r[0] + 1 ? a + ", " + b : a + "–" + b;
    }).join(", ");
  }

  function skillName(code) {
    var skill = state.skills.filter(function (s) { return s.code === code; })[0];
    return skill ? skill.name : code;
  }

  function periodText(a) {
    return a.starts_on === a.ends_on ? KK.format.date(a.starts_on) : KK.format.date(a.starts_on) + " – " + KK.format.date(a.ends_on);
  }

  function absentToday(caretakerId) {
    return (state.absences[caretakerId] || []).filter(function (a) { return a.starts_on <= state.today && a.ends_on >= state.today; })[0] || null;
  }

  /* ---------------------------------------------------------------- form parts */

  function summary(title) {
    return el("div", { class: "error-summary", "data-kk-error-summary": "", tabindex: "-1", hidden: "" },
      el("h4", { class: "error-summary__title" }, title),
      el("ul", { class: "error-summary__list", "data-kk-error-list": "" }));
  }

  function textField(id, name, label, value, hint, attrs) {
    var input = el("input", Object.assign({ class: "input", id: id, name: name, type: "text", autocomplete: "off", value: value || "", "aria-describedby": (hint ? id + "-hint " : "") + id + "-error" }, attrs || {}));
    return el("div", { class: "field", "data-kk-field": "" },
      el("label", { class: "field__label", for: id }, label),
      hint ? el("p", { class: "field__hint", id: id + "-hint" }, hint) : null,
      el("p", { class: "field__error", id: id + "-error", "data-kk-error": "", hidden: "" }),
      input);
  }

  /** A fieldset of checkboxes or radios whose values go to one pointer (errors for /x/1 land on /x). */
  function choices(id, name, legend, options, type, checked, hint) {
    return el("fieldset", { class: "field fieldset fieldset--inline", "data-kk-field": "", "data-pointer": "/" + name, id: id, tabindex: "-1", "aria-describedby": (hint ? id + "-hint " : "") + id + "-error" },
      el("legend", { class: "field__label" }, legend),
      hint ? el("p", { class: "field__hint", id: id + "-hint" }, hint) : null,
      el("p", { class: "field__error", id: id + "-error", "data-kk-error": "", hidden: "" }),
      el("div", { class: "choices" }, options.map(function (o, i) {
        var attrs = { class: "choice__input", type: type, id: id + "-" + (i + 1), name: name, value: String(o[0]) };
        if (type === "checkbox") attrs["data-type"] = "list";
        if (checked.indexOf(o[0]) !== -1) attrs.checked = "";
        return el("div", { class: "choice" }, el("input", attrs), el("label", { class: "choice__label", for: id + "-" + (i + 1) }, o[1]));
      })));
  }

  function buttons(submitLabel) {
    return el("div", { class: "actions" },
      el("button", { type: "submit", class: "button" }, submitLabel),
      el("button", { type: "button", class: "button button--secondary", "data-vv-cancel": "" }, "Fortryd"));
  }

  /* ---------------------------------------------------------------- edit: skills and hours */

  function editForm(c) {
    var id = "e-" + c.id;
    var skillOptions = state.skills.map(function (s) { return [s.code, s.name]; });
    // A skill the catalogue no longer lists stays visible (and kept) rather than silently dropped.
    c.skills.forEach(function (code) { if (!skillOptions.some(function (o) { return o[0] === code; })) skillOptions.push([code, code]); });
    return el("form", { class: "form vv-inline-form", method: "post", action: "/vicevaerter", novalidate: "", "data-vv-edit": c.id, "aria-label": "Ret kompetencer og arbejdstid for " + c.name },
      summary("Der er fejl i ændringerne"),
      choices(id + "-skills", "skills", "Kompetencer", skillOptions, "checkbox", c.skills),
      choices(id + "-days", "work_days", "Arbejdsdage", WEEKDAYS.map(function (d) { return [d[0], d[1]]; }), "checkbox", c.work_days),
      el("div", { class: "vv-inline-form__row" },
        textField(id + "-start", "work_start", "Møder kl.", c.work_start, "TT:MM, fx 07:00", { "data-empty": "keep", inputmode: "text", spellcheck: "false" }),
        textField(id + "-end", "work_end", "Går kl.", c.work_end, "TT:MM; 24:00 er midnat", { "data-empty": "keep", inputmode: "text", spellcheck: "false" })),
      buttons("Gem ændringer"));
  }

  function submitEdit(c, form, data) {
    var body = {
      skills: data.body.skills || [],
      work_days: (data.body.work_days || []).map(function (d) { return /^\d+$/.test(d) ? parseInt(d, 10) : d; }),
      work_start: data.body.work_start,
      work_end: data.body.work_end,
    };
    return KK.api("/api/v1/caretakers/" + c.id, { method: "PATCH", body: body, ifMatch: '"' + c.version + '"' }).then(function (saved) {
      state.caretakers[saved.id] = saved;
      redraw(saved.id, "[data-vv-open-edit]");
      KK.status("Ændringerne for " + saved.name + " er gemt: " + daysText(saved.work_days) + " " + saved.work_start + "–" + saved.work_end + ".");
    }, function (error) {
      if (error.status !== 412) throw error;
      // Someone else changed the caretaker meanwhile: show the new values and say so (nothing was saved).
      error.message = "Viceværten er ændret af en anden, siden siden blev hentet. De nye oplysninger er hentet – ret igen, og gem.";
      return KK.api("/api/v1/caretakers/" + c.id).then(function (fresh) {
        state.caretakers[fresh.id] = fresh;
        redraw(fresh.id);
        var again = openForm(fresh.id, "edit");
        KK.form.showProblem(again, error);
      });
    });
  }

  /* ---------------------------------------------------------------- absences */

  function absenceForm(c) {
    var id = "a-" + c.id;
    return el("form", { class: "form vv-inline-form", method: "post", action: "/vicevaerter", novalidate: "", "data-vv-absence-form": c.id, "aria-label": "Registrér fravær for " + c.name },
      summary("Der er fejl i fraværet"),
      choices(id + "-kind", "kind", "Årsag", KINDS, "radio", ["syg"]),
      el("div", { class: "vv-inline-form__row" },
        textField(id + "-from", "starts_on", "Fra og med", state.today, null, { type: "date", required: "", "aria-required": "true" }),
        textField(id + "-to", "ends_on", "Til og med", state.today, "Samme dag for én dag.", { type: "date", required: "", "aria-required": "true" })),
      buttons("Registrér fravær"));
  }

  function submitAbsence(c, data) {
    return KK.api("/api/v1/caretakers/" + c.id + "/absences", { method: "POST", body: data.body }).then(function (absence) {
      return loadAbsences(c.id).then(function () {
        redraw(c.id, "[data-vv-open-absence]");
        KK.status("Fravær registreret for " + c.name + ": " + (KIND_NAMES[absence.kind] || absence.kind) + ", " + periodText(absence) + ".");
      });
    });
  }

  /** "Slet" asks once more (on a phone a slip of the thumb is easy), then deletes and redraws the card. */
  function deleteButton(c, a) {
    var text = (KIND_NAMES[a.kind] || a.kind) + " " + periodText(a);
    var button = el("button", { type: "button", class: "button button--secondary button--small", "data-vv-delete-absence": a.id, "aria-label": "Slet fravær: " + text }, "Slet");
    var armed = false;
    button.addEventListener("click", function () {
      if (!armed) {
        armed = true;
        button.textContent = "Bekræft: slet";
        button.setAttribute("aria-label", "Bekræft: slet fravær: " + text);
        KK.status("Tryk igen for at slette fraværet " + text + " for " + c.name + ".");
        return;
      }
      button.disabled = true;
      KK.api("/api/v1/caretakers/" + c.id + "/absences/" + a.id, { method: "DELETE" }).then(function () {
        return loadAbsences(c.id).then(function () {
          redraw(c.id, "[data-vv-open-absence]");
          KK.status("Fraværet " + text + " for " + c.name + " er slettet.");
        });
      }).catch(function (e) { button.disabled = false; KK.alert(e.message); });
    });
    return button;
  }

  /* ---------------------------------------------------------------- cards */

  function card(c) {
    var today = absentToday(c.id);
    var absences = state.absences[c.id] || [];
    var team = state.teams[c.team_id];
    return el("li", { class: "vv-card" + (today ? " vv-card--waiting" : ""), "data-vv-caretaker": c.id },
      el("div", { class: "vv-card__top" },
        el("h3", { class: "vv-card__title", id: "c-" + c.id + "-name" }, c.name),
        today ? el("span", { class: "tag tag--error", "data-vv-absent-today": "" }, "Fravær i dag: " + (KIND_NAMES[today.kind] || today.kind)) : null,
        c.active ? null : el("span", { class: "tag" }, "Ikke aktiv")),
      state.shownTeams.length > 1 && team ? el("span", { class: "vv-card__meta" }, team.name) : null,
      el("dl", { class: "vv-facts vv-facts--card" },
        el("dt", null, "Kompetencer"),
        el("dd", { "data-vv-skills": "" }, c.skills.length ? c.skills.map(skillName).join(", ") : "Ingen registreret"),
        el("dt", null, "Arbejdstid"),
        el("dd", { "data-vv-hours": "" }, daysText(c.work_days) + (c.work_days.length ? ", " + c.work_start + "–" + c.work_end : "")),
        el("dt", null, "Fravær"),
        el("dd", { "data-vv-absences": "" }, absences.length
          ? el("ul", { class: "vv-absences" }, absences.map(function (a) {
            return el("li", { "data-vv-absence": a.id },
              el("span", null, el("strong", null, KIND_NAMES[a.kind] || a.kind), " " + periodText(a)),
              deleteButton(c, a));
          }))
          : "Intet fravær i dag eller senere")),
      el("div", { class: "vv-card__actions" },
        el("button", { type: "button", class: "button button--secondary", "data-vv-open-edit": "", "aria-expanded": "false", "aria-label": "Ret kompetencer og arbejdstid for " + c.name }, "Ret kompetencer og arbejdstid"),
        el("button", { type: "button", class: "button button--secondary", "data-vv-open-absence": "", "aria-expanded": "false", "aria-label": "Registrér fravær for " + c.name }, "Registrér fravær")),
      el("div", { "data-vv-form-holder": "" }));
  }

  function bindCard(item, c) {
    item.querySelector("[data-vv-open-edit]").addEventListener("click", function () { toggleForm(c.id, "edit"); });
    item.querySelector("[data-vv-open-absence]").addEventListener("click", function () { toggleForm(c.id, "absence"); });
  }

  /** Replace a caretaker's card (after a change); optionally focus one of its buttons. */
  function redraw(caretakerId, focusSelector) {
    var old = document.querySelector('[data-vv-caretaker="' + caretakerId + '"]');
    var c = state.caretakers[caretakerId];
    var item = card(c);
    bindCard(item, c);
    old.parentNode.replaceChild(item, old);
    if (focusSelector) item.querySelector(focusSelector).focus();
    return item;
  }

  function openForm(caretakerId, which) {
    var item = document.querySelector('[data-vv-caretaker="' + caretakerId + '"]');
    var c = state.caretakers[caretakerId];
    var holder = item.querySelector("[data-vv-form-holder]");
    var opener = item.querySelector(which === "edit" ? "[data-vv-open-edit]" : "[data-vv-open-absence]");
    var other = item.querySelector(which === "edit" ? "[data-vv-open-absence]" : "[data-vv-open-edit]");
    holder.textContent = "";
    other.setAttribute("aria-expanded", "false");
    var form = which === "edit" ? editForm(c) : absenceForm(c);
    holder.appendChild(form);
    opener.setAttribute("aria-expanded", "true");
    form.querySelector("[data-vv-cancel]").addEventListener("click", function () {
      holder.textContent = "";
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
    });
    KK.form.bind(form, function (data) {
      return which === "edit" ? submitEdit(state.caretakers[caretakerId], form, data) : submitAbsence(state.caretakers[caretakerId], data);
    });
    return form;
  }

  function toggleForm(caretakerId, which) {
    var item = document.querySelector('[data-vv-caretaker="' + caretakerId + '"]');
    var opener = item.querySelector(which === "edit" ? "[data-vv-open-edit]" : "[data-vv-open-absence]");
    if (opener.getAttribute("aria-expanded") === "true") {
      item.querySelector("[data-vv-form-holder]").textContent = "";
      opener.setAttribute("aria-expanded", "false");
      return;
    }
    var form = openForm(caretakerId, which);
    form.querySelector("input").focus();
  }

  /* ---------------------------------------------------------------- loading */

  function loadAbsences(caretakerId) {
    return KK.api("/api/v1/caretakers/" + caretakerId + "/absences", { query: { from_date: state.today } }).then(function (list) {
      state.absences[caretakerId] = list;
    });
  }

  function load() {
    var list = $("[data-vv-caretakers]");
    return KK.api("/api/v1/caretakers", { query: { team_id: state.teamId } }).then(function (caretakers) {
      state.caretakers = {};
      caretakers.forEach(function (c) { state.caretakers[c.id] = c; });
      return Promise.all(caretakers.map(function (c) { return loadAbsences(c.id); })).then(function () { return caretakers; });
    }).then(function (caretakers) {
      list.textContent = "";
      $("[data-vv-loading]").hidden = true;
      $("[data-vv-count]").textContent = String(caretakers.length);
      if (!caretakers.length) {
        list.appendChild(el("li", { class: "empty" }, state.shownTeams.length ? "Der er ingen viceværter i teamet." : "Du leder ingen teams."));
        return;
      }
      caretakers.forEach(function (c) {
        var item = card(c);
        bindCard(item, c);
        list.appendChild(item);
      });
    });
  }

  function fillTeams(teams, isAdmin) {
    var form = $("[data-vv-team-form]");
    var select = $("#f-team");
    select.options[0].textContent = isAdmin ? "Alle teams" : "Alle mine teams";
    teams.forEach(function (t) { select.appendChild(el("option", { value: t.id }, t.name + (t.area ? " – " + t.area : ""))); });
    form.hidden = teams.length < 2;
    select.addEventListener("change", function () {
      state.teamId = select.value;
      load().catch(function (e) { KK.alert(e.message); });
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  }

  KK.page.ready(function (user) {
    state.user = user;
    state.today = localDay.format(new Date());
    var isAdmin = KK.session.hasRole(user, ["admin"]);
    Promise.all([KK.api("/api/v1/teams"), KK.api("/api/v1/skills")]).then(function (answers) {
      answers[0].forEach(function (t) { state.teams[t.id] = t; });
      state.skills = answers[1];
      // The API returns only the caretakers this user may see; the filter offers the same teams.
      state.shownTeams = answers[0].filter(function (t) { return isAdmin || t.leader_sub === user.sub; });
      fillTeams(state.shownTeams, isAdmin);
      return load();
    }).catch(function (e) { KK.alert(e.message); });
  });
})();
