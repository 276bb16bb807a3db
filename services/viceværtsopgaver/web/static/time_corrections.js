/*
 * The team leader's time corrections (/tidsregistreringer; teamleder, admin): one caretaker's registrations for
 * a day or a week, with an inline correction form per registration (start, end, reason) and the earlier
 * corrections of a registration. The API checks everything (period, overlap, version, who may correct) and
 * writes the audit record; its Danish messages appear next to the fields.
 * API: GET /api/v1/teams, /caretakers, /caretakers/{id}/time-entries?from_date&to_date,
 *      /time-entries/{id}/corrections; POST /time-entries/{id}/corrections (If-Match).
 */
(function () {
  "use strict";
  var el = KK.el;
  var SOURCES = { timer: "Ur", status: "Status ‘i gang’", manual: "Indtastet" };
  var localDay = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Copenhagen", year: "numeric", month: "2-digit", day: "2-digit" });
  var localStamp = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Europe/Copenhagen", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });

  function $(selector) { return document.querySelector(selector); }

  var state = { query: null, caretakers: {} };

  function isoDay(date) { return localDay.format(date); }

  /** "2026-11-23T10:05" in Copenhagen time, for a datetime-local input. */
  function toLocalInput(iso) { return iso ? localStamp.format(new Date(iso)).replace(" ", "T") : ""; }

  /** A datetime-local value (the browser's own time zone, which is the user's) as ISO 8601 with offset. */
  function fromLocalInput(value) {
    if (!value) return null;
    var date = new Date(value);
    return isNaN(date.getTime()) ? value : date.toISOString();
  }

  function mondayOf(date) {
    var d = new Date(date.getTime());
    var weekday = (d.getDay() + 6) % 7;
    d.setDate(d.getDate() - weekday);
    return d;
  }

  /* ---------------------------------------------------------------- the list */

  function field(id, name, label, input, hint) {
    var described = (hint ? id + "-hint " : "") + id + "-error";
    input.setAttribute("id", id);
    input.setAttribute("name", name);
    input.setAttribute("aria-describedby", described);
    return el("div", { class: "field", "data-kk-field": "" },
      el("label", { class: "field__label", for: id }, label),
      hint ? el("p", { class: "field__hint", id: id + "-hint" }, hint) : null,
      el("p", { class: "field__error", id: id + "-error", "data-kk-error": "", hidden: "" }),
      input);
  }

  function correctionForm(entry, row, button) {
    var id = entry.id;
    var form = el("form", { class: "form vv-correct-form", method: "post", action: "/tidsregistreringer", novalidate: "", "data-vv-correct": id, "aria-label": "Ret registreringen på " + entry.task_case_number },
      el("div", { class: "error-summary", "data-kk-error-summary": "", tabindex: "-1", hidden: "" },
        el("h3", { class: "error-summary__title" }, "Der er fejl i rettelsen"),
        el("ul", { class: "error-summary__list", "data-kk-error-list": "" })),
      field("c-start-" + id, "started_at", "Start", el("input", { class: "input", type: "datetime-local", step: "60", value: toLocalInput(entry.started_at), required: "", "aria-required": "true" })),
      field("c-end-" + id, "ended_at", "Slut", el("input", { class: "input", type: "datetime-local", step: "60", value: toLocalInput(entry.ended_at) }),
        entry.ended_at ? null : "Tom: uret kører stadig."),
      field("c-reason-" + id, "reason", "Begrundelse", el("textarea", { class: "input textarea", rows: "2", required: "", "aria-required": "true" }),
        "Fx ”Glemte at stoppe uret”. Mindst 5 tegn; gemmes sammen med rettelsen."),
      el("div", { class: "actions" },
        el("button", { type: "submit", class: "button" }, "Gem rettelse"),
        el("button", { type: "button", class: "button button--secondary", "data-vv-cancel": "" }, "Fortryd")));
    var holder = el("tr", { class: "vv-correct-row", "data-vv-correct-row": id },
      el("td", { colspan: String(row.children.length), "data-label": "Ret" }, form));
    form.querySelector("[data-vv-cancel]").addEventListener("click", function () { close(holder, button); });
    KK.form.bind(form, function (data) {
      var body = {
        started_at: fromLocalInput(data.body.started_at),
        ended_at: fromLocalInput(data.body.ended_at),
        reason: data.body.reason || "",
      };
      return KK.api("/api/v1/time-entries/" + id + "/corrections", { method: "POST", body: body, ifMatch: '"' + entry.version + '"' }).then(function () {
        return load().then(function () {
          KK.status("Registreringen på " + entry.task_case_number + " er rettet.");
          var again = document.querySelector('[data-vv-entry="' + id + '"] [data-vv-open-correct]');
          if (again) again.focus();
        });
      }, function (error) {
        if (error.status === 412) {
          error.message = "Registreringen er ændret af en anden, siden listen blev hentet. Listen er hentet igen; ret igen.";
          return load().then(function () { KK.alert(error.message); });
        }
        throw error;
      });
    });
    return holder;
  }

  function close(holder, button) {
    holder.parentNode.removeChild(holder);
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  function openCorrection(entry, button) {
    var row = button.closest("tr");
    var open = row.nextElementSibling && row.nextElementSibling.hasAttribute("data-vv-correct-row") ? row.nextElementSibling : null;
    if (open) { close(open, button); return; }
    var holder = correctionForm(entry, row, button);
    row.parentNode.insertBefore(holder, row.nextSibling);
    button.setAttribute("aria-expanded", "true");
    button.setAttribute("aria-controls", "c-start-" + entry.id);
    holder.querySelector("input").focus();
  }

  function showHistory(entry, button) {
    button.disabled = true;
    KK.api("/api/v1/time-entries/" + entry.id + "/corrections").then(function (history) {
      var box = el("ul", { class: "vv-notes", "data-vv-history": entry.id }, history.map(function (c) {
        return el("li", null,
          el("span", { class: "vv-notes__title" }, KK.format.dateTime(c.old_started_at) + "–" + (c.old_ended_at ? VV.clockText(c.old_ended_at) : "kørende") + " → " + KK.format.dateTime(c.new_started_at) + "–" + (c.new_ended_at ? VV.clockText(c.new_ended_at) : "kørende")),
          el("span", null, "“" + c.reason + "”"),
          el("span", { class: "vv-notes__when" }, "Rettet " + KK.format.dateTime(c.created_at)));
      }));
      button.parentNode.replaceChild(box, button);
    }, function (e) { button.disabled = false; KK.alert(e.message); });
  }

  function render(entries) {
    var q = state.query;
    var name = state.caretakers[q.caretaker] ? state.caretakers[q.caretaker].name : "viceværten";
    var period = q.from_date === q.to_date ? KK.format.date(q.from_date) : KK.format.date(q.from_date) + " – " + KK.format.date(q.to_date);
    $("[data-vv-entries-heading]").textContent = "Registreringer for " + name + ", " + period;
    var total = entries.reduce(function (sum, e) { return sum + (e.minutes || 0); }, 0);
    var running = entries.filter(function (e) { return !e.ended_at; }).length;
    $("[data-vv-entries-summary]").textContent = entries.length
      ? (entries.length === 1 ? "1 registrering" : entries.length + " registreringer") + ", i alt " + VV.duration(total) + (running ? " (og " + running + " kørende ur)" : "") + "."
      : "Ingen registreringer i perioden.";
    KK.table($("[data-vv-entries]"), {
      caption: "Tidsregistreringer",
      captionHidden: true,
      empty: "Ingen registreringer i perioden.",
      rows: entries,
      rowAttrs: function (e) { return { "data-vv-entry": e.id }; },
      columns: [
        { label: "Dag", value: function (e) { return KK.format.date(e.started_at); } },
        { label: "Opgave", class: "cell--wrap", value: function (e) { return [el("a", { href: "/opgaver/" + e.task_id }, e.task_case_number), " " + e.task_title, el("br"), el("span", { class: "vv-note" }, e.building_name)]; } },
        { label: "Start", value: function (e) { return VV.clockText(e.started_at); } },
        { label: "Slut", value: function (e) { return e.ended_at ? VV.clockText(e.ended_at) : "kører"; } },
        { label: "Tid", value: function (e) { return e.ended_at ? VV.duration(e.minutes) : "–"; } },
        { label: "Kilde", value: function (e) {
          return [(SOURCES[e.source] || e.source), e.corrected ? [" ", el("span", { class: "tag", "data-vv-corrected": "" }, "Rettet")] : null];
        } },
        { label: "Handling", value: function (e) {
          if (!e.correctable) return el("span", { class: "vv-note" }, "Rettes af opgavens teamleder");
          var button = el("button", { type: "button", class: "button button--secondary button--small", "data-vv-open-correct": "", "aria-expanded": "false", "aria-label": "Ret registreringen " + VV.clockText(e.started_at) + " på " + e.task_case_number }, "Ret");
          button.addEventListener("click", function () { openCorrection(e, button); });
          var parts = [button];
          if (e.corrected) {
            var history = el("button", { type: "button", class: "button button--secondary button--small", "data-vv-show-history": "", "aria-label": "Vis rettelser af registreringen på " + e.task_case_number }, "Vis rettelser");
            history.addEventListener("click", function () { showHistory(e, history); });
            parts.push(" ", history);
          }
          return parts;
        } },
      ],
    });
    $("[data-vv-entries-panel]").hidden = false;
  }

  function load() {
    var q = state.query;
    return KK.api("/api/v1/caretakers/" + encodeURIComponent(q.caretaker) + "/time-entries", { query: { from_date: q.from_date, to_date: q.to_date } }).then(render);
  }

  /* ---------------------------------------------------------------- filter */

  function loadCaretakers(user) {
    var leads = KK.session.hasRole(user, ["admin"]) ? Promise.resolve(null) : KK.api("/api/v1/teams").then(function (teams) {
      return teams.filter(function (t) { return t.leader_sub === user.sub; }).map(function (t) { return t.id; });
    });
    return Promise.all([leads, KK.api("/api/v1/caretakers", { query: { active_only: true } })]).then(function (answers) {
      var mine = answers[0];
      var select = $("#f-caretaker");
      var shown = answers[1].filter(function (c) { return !mine || mine.indexOf(c.team_id) !== -1; });
      shown.forEach(function (c) {
        state.caretakers[c.id] = c;
        select.appendChild(el("option", { value: c.id }, c.name));
      });
      if (!shown.length) KK.status("Du leder ingen teams med viceværter.");
    });
  }

  KK.page.ready(function (user) {
    var form = $("[data-vv-time-filter]");
    var today = isoDay(new Date());
    $("#f-from_date").value = today;
    $("#f-to_date").value = today;
    $("[data-vv-this-week]").addEventListener("click", function () {
      var monday = mondayOf(new Date());
      var sunday = new Date(monday.getTime());
      sunday.setDate(monday.getDate() + 6);
      $("#f-from_date").value = isoDay(monday);
      $("#f-to_date").value = isoDay(sunday);
      form.requestSubmit();
    });
    KK.form.bind(form, function (data) {
      var q = data.query;
      if (!q.caretaker) {
        return Promise.reject(new KK.Problem(422, {
          detail: "Vælg en vicevært.",
          errors: [{ field: "/query/caretaker", code: "required", message: "Vælg den vicevært, hvis tid du vil se." }],
        }));
      }
      state.query = { caretaker: q.caretaker, from_date: q.from_date || today, to_date: q.to_date || q.from_date || today };
      return load().then(function () { $("[data-vv-entries-heading]").setAttribute("tabindex", "-1"); $("[data-vv-entries-heading]").focus(); });
    });
    loadCaretakers(user).catch(function (e) { KK.alert(e.message); });
  });
})();
