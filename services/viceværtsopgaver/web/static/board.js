/*
 * The team leader's board (/tavle): tasks waiting for a caretaker (with the dispatcher's reason), the pool,
 * the team's caretakers with load and (opt-in) position, and assign / reassign / back to the board with a
 * reason. Works on a phone: the columns stack and the assignment dialog fills the screen.
 * API: GET /api/v1/board, /teams/{id}/positions, /task-types, /skills, /tasks?status=…, /me/notifications;
 *      POST /tasks/{id}/assignments, /dispatch-runs.
 */
(function () {
  "use strict";
  var el = KK.el;
  var SVG = "http://www.w3.org/2000/svg";
  var REFRESH_MS = 30000;
  var ASSIGNED = ["tildelt", "modtaget", "paa_vej", "i_gang", "materiale_bestilles", "afventer"];

  var state = { board: null, positions: {}, types: {}, skills: {}, teamId: "", assigned: [], dialogTask: null, opener: null, messages: null };

  function $(selector) { return document.querySelector(selector); }

  function skillNames(codes) { return codes.map(function (c) { return state.skills[c] || c; }).join(", "); }

  function missingSkills(task, caretaker) {
    var type = state.types[task.task_type.id];
    if (!type) return [];
    return type.required_skills.filter(function (s) { return caretaker.skills.indexOf(s) === -1; });
  }

  function dutyText(c) { return c.absent ? "Fravær" : c.on_duty ? "På arbejde" : "Ikke på arbejde"; }

  /* ---------------------------------------------------------------- waiting tasks and pool */

  function taskCard(task) {
    var assign = el("button", { type: "button", class: "button button--small", "data-vv-assign": task.id }, "Tildel");
    assign.addEventListener("click", function () { openDialog(task, assign); });
    return el("li", { "data-task-id": task.id },
      el("div", { class: "vv-card vv-card--" + task.priority },
        el("span", { class: "vv-card__top" }, el("span", { class: "vv-stop" }, task.case_number + " · " + KK.format.dateTime(task.reported_at)), VV.statusTag(task)),
        el("a", { class: "vv-card__title", href: "/opgaver/" + task.id }, task.title),
        el("span", { class: "vv-card__meta" }, task.building.name + ", " + task.building.address),
        VV.priorityText(task) ? el("span", { class: "vv-card__meta" }, VV.priorityText(task)) : null,
        task.reason ? el("span", { class: "vv-card__reason" }, el("strong", null, "Hvorfor her: "), task.reason) : null,
        el("span", { class: "vv-card__actions" }, assign)));
  }

  function renderLists(board) {
    var waiting = KK.clear($("[data-vv-waiting]"));
    board.waiting.forEach(function (t) { waiting.appendChild(taskCard(t)); });
    if (!board.waiting.length) waiting.appendChild(el("li", { class: "empty" }, "Ingen opgaver venter. Alt er fordelt."));
    $("[data-vv-count-waiting]").textContent = String(board.waiting.length);
    var pool = KK.clear($("[data-vv-pool]"));
    board.pool.forEach(function (t) { pool.appendChild(taskCard(t)); });
    if (!board.pool.length) pool.appendChild(el("li", { class: "empty" }, "Puljen er tom."));
    $("[data-vv-count-pool]").textContent = String(board.pool.length);
    $("[data-vv-planned]").textContent = board.planned_upcoming
      ? board.planned_upcoming + " planlagte opgaver venter på deres dag og fordeles automatisk."
      : "";
    KK.table($("[data-vv-cannot]"), {
      caption: "Opgaver, der ikke kunne løses",
      captionHidden: true,
      empty: "Ingen opgaver er meldt ”kan ikke løses” de seneste 14 dage.",
      rows: board.cannot_solve,
      columns: [
        { label: "Sag", value: function (t) { return el("a", { href: "/opgaver/" + t.id }, t.case_number); } },
        { label: "Opgave", class: "cell--wrap", value: function (t) { return t.title; } },
        { label: "Meldt", value: function (t) { return KK.format.dateTime(t.status_at); } },
        { label: "Vicevært", value: function (t) { return t.assigned_caretaker ? t.assigned_caretaker.name : "–"; } },
      ],
    });
  }

  /* ---------------------------------------------------------------- caretakers: table and map */

  function positionText(c) {
    var p = state.positions[c.id];
    return p ? "Delt " + VV.clockText(p.recorded_at) : "Deles ikke";
  }

  function renderCaretakers(board) {
    var rows = board.caretakers.slice().sort(function (a, b) {
      return (b.on_duty - a.on_duty) || (a.load_minutes - b.load_minutes) || a.name.localeCompare(b.name, "da");
    });
    KK.table($("[data-vv-caretakers]"), {
      caption: "Viceværter, belastning og position",
      captionHidden: true,
      empty: "Teamet har ingen aktive viceværter.",
      rows: rows,
      rowHeader: true,
      rowAttrs: function (c) { return { "data-caretaker-id": c.id }; },
      columns: [
        { label: "Vicevært", value: function (c) { return c.name; } },
        { label: "Nu", value: function (c) { return dutyText(c); } },
        { label: "Opgaver", value: function (c) { return KK.format.number(c.open_tasks); } },
        { label: "Belastning", value: function (c) { return VV.duration(c.load_minutes); } },
        { label: "Position", value: positionText },
        { label: "Kompetencer", class: "cell--wrap", value: function (c) { return skillNames(c.skills); } },
      ],
    });
    renderMap(board);
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function renderMap(board) {
    var box = KK.clear($("[data-vv-map]"));
    var names = {};
    board.caretakers.forEach(function (c) { names[c.id] = c.name; });
    var people = Object.keys(state.positions).filter(function (id) { return names[id]; }).map(function (id) { return state.positions[id]; });
    var places = board.waiting.map(function (t) { return t.building; });
    var points = people.concat(places);
    if (!points.length) {
      box.appendChild(el("p", { class: "empty" }, "Ingen positioner eller ventende opgaver at vise på skitsen."));
      return;
    }
    var width = 600, height = 340, pad = 40;
    var lats = points.map(function (p) { return p.latitude; });
    var lons = points.map(function (p) { return p.longitude; });
    var minLat = Math.min.apply(null, lats), maxLat = Math.max.apply(null, lats);
    var minLon = Math.min.apply(null, lons), maxLon = Math.max.apply(null, lons);
    var k = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
    var spanX = Math.max((maxLon - minLon) * k, 0.004), spanY = Math.max(maxLat - minLat, 0.004);
    var scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
    var cx = (minLon + maxLon) / 2, cy = (minLat + maxLat) / 2;
    function x(p) { return (width / 2 + (p.longitude - cx) * k * scale).toFixed(1); }
    function y(p) { return (height / 2 - (p.latitude - cy) * scale).toFixed(1); }
    var summary = people.length + (people.length === 1 ? " vicevært deler" : " viceværter deler") + " position; " +
      places.length + (places.length === 1 ? " ventende opgave." : " ventende opgaver.");
    var map = svg("svg", { class: "vv-map", viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": "vv-map-title vv-map-desc" },
      svg("title", { id: "vv-map-title" }, "Skitse over viceværter og ventende opgaver"),
      svg("desc", { id: "vv-map-desc" }, summary));
    board.waiting.forEach(function (t) {
      map.appendChild(svg("g", { "data-map-task": t.id },
        svg("title", null, t.case_number + ": " + t.title + " – " + t.building.name),
        svg("rect", { x: (x(t.building) - 8), y: (y(t.building) - 8), width: 16, height: 16, fill: "#ffffff", stroke: "#b3261e", "stroke-width": 3 })));
    });
    people.forEach(function (p) {
      var first = names[p.caretaker_id].split(" ")[0];
      map.appendChild(svg("g", { "data-map-caretaker": p.caretaker_id },
        svg("title", null, names[p.caretaker_id] + ", position " + VV.clockText(p.recorded_at)),
        svg("circle", { cx: x(p), cy: y(p), r: 9, fill: "#005a9c", stroke: "#1b1b1b", "stroke-width": 2 }),
        svg("text", { x: Number(x(p)) + 13, y: Number(y(p)) + 5, "font-size": 15, "font-weight": 700, fill: "#1b1b1b" }, first)));
    });
    box.appendChild(map);
  }

  /* ---------------------------------------------------------------- assigned tasks (reassign) */

  function renderAssigned() {
    KK.table($("[data-vv-assigned]"), {
      caption: "Fordelte opgaver",
      captionHidden: true,
      empty: "Ingen åbne opgaver er fordelt.",
      rows: state.assigned,
      rowAttrs: function (t) { return { "data-task-id": t.id }; },
      columns: [
        { label: "Sag", value: function (t) { return el("a", { href: "/opgaver/" + t.id }, t.case_number); } },
        { label: "Opgave", class: "cell--wrap", value: function (t) { return [t.title, el("br"), el("span", { class: "vv-note" }, t.building.name)]; } },
        { label: "Vicevært", value: function (t) { return t.assigned_caretaker ? t.assigned_caretaker.name : "–"; } },
        { label: "Status", value: function (t) { return VV.statusTag(t); } },
        { label: "Handling", value: function (t) {
          var move = el("button", { type: "button", class: "button button--secondary button--small", "data-vv-move": t.id, "aria-label": "Flyt " + t.case_number }, "Flyt");
          move.addEventListener("click", function () { openDialog(t, move); });
          return move;
        } },
      ],
    });
  }

  function loadAssigned() {
    var path = "/api/v1/tasks?" + ASSIGNED.map(function (s) { return "status=" + s; }).join("&");
    return KK.api(path, { query: { limit: 100, team_id: state.teamId } }).then(function (page) {
      state.assigned = page.items;
      renderAssigned();
    });
  }

  /* ---------------------------------------------------------------- loading */

  function loadPositions(teams) {
    return Promise.all(teams.map(function (t) {
      return KK.api("/api/v1/teams/" + t.id + "/positions").catch(function () { return []; });
    })).then(function (lists) {
      state.positions = {};
      lists.forEach(function (list) { list.forEach(function (p) { state.positions[p.caretaker_id] = p; }); });
    });
  }

  function fillTeams(teams) {
    var form = $("[data-vv-team-form]");
    var select = form.querySelector("select");
    if (select.options.length > 1 || teams.length < 2) return;
    teams.forEach(function (t) { select.appendChild(el("option", { value: t.id }, t.name + (t.area ? " – " + t.area : ""))); });
    form.hidden = false;
  }

  function load() {
    if ($("[data-vv-assign-dialog]").open) return Promise.resolve();
    return KK.api("/api/v1/board", { query: { team_id: state.teamId } }).then(function (board) {
      state.board = board;
      if (!state.teamId) fillTeams(board.teams);
      return loadPositions(board.teams).then(function () {
        renderLists(board);
        renderCaretakers(board);
        VV.stamp($("[data-vv-updated]"));
        return Promise.all([loadAssigned(), state.messages.load()]);
      });
    });
  }

  /* ---------------------------------------------------------------- the assignment dialog */

  function caretakerChoices(task) {
    var box = KK.clear($("[data-vv-choices]"));
    var options = state.board.caretakers.filter(function (c) {
      return !task.assigned_caretaker || c.id !== task.assigned_caretaker.id;
    }).map(function (c) {
      var p = state.positions[c.id];
      return { c: c, km: p ? VV.km(p, task.building) : null, missing: missingSkills(task, c) };
    }).sort(function (a, b) {
      return (b.c.on_duty - a.c.on_duty) || (a.missing.length - b.missing.length) ||
        ((a.km === null ? 1e9 : a.km) - (b.km === null ? 1e9 : b.km)) || (a.c.load_minutes - b.c.load_minutes);
    });
    options.forEach(function (o, index) {
      var id = "f-caretaker-" + (index + 1);
      var meta = [dutyText(o.c), o.c.open_tasks + (o.c.open_tasks === 1 ? " opgave" : " opgaver") + " (" + VV.duration(o.c.load_minutes) + ")"];
      if (o.km !== null) meta.push(VV.kmText(o.km) + " fra bygningen");
      if (o.missing.length) meta.push("Mangler: " + skillNames(o.missing));
      box.appendChild(el("div", { class: "choice" },
        el("input", { class: "choice__input", type: "radio", name: "caretaker_id", id: id, value: o.c.id }),
        el("label", { class: "choice__label", for: id }, o.c.name, el("span", { class: "vv-choice-meta" }, meta.join(" · ")))));
    });
    if (!options.length) box.appendChild(el("p", { class: "empty" }, "Der er ingen andre viceværter i teamet."));
  }

  function openDialog(task, opener) {
    var dialog = $("[data-vv-assign-dialog]");
    var form = $("[data-vv-assign-form]");
    state.dialogTask = task;
    state.opener = opener;
    form.reset();
    KK.form.clearErrors(form);
    var reassign = !!task.assigned_caretaker;
    $("[data-vv-assign-heading]").textContent = reassign ? "Flyt opgaven" : "Tildel opgaven";
    $("[data-vv-assign-task]").textContent = task.case_number + " – " + task.title + ", " + task.building.name +
      (reassign ? ". Har nu: " + task.assigned_caretaker.name + "." : ".");
    $("[data-vv-assign-submit]").textContent = reassign ? "Flyt opgaven" : "Tildel";
    $("[data-vv-to-board]").hidden = !reassign;
    caretakerChoices(task);
    dialog.showModal();
    var first = form.querySelector("[name=caretaker_id]");
    if (first) first.focus();
  }

  function closeDialog() {
    $("[data-vv-assign-dialog]").close();
  }

  function bindDialog() {
    var dialog = $("[data-vv-assign-dialog]");
    var form = $("[data-vv-assign-form]");
    $("[data-vv-close]").addEventListener("click", closeDialog);
    dialog.addEventListener("close", function () {
      if (state.opener && document.contains(state.opener)) state.opener.focus();
    });
    KK.form.bind(form, function (data, _form, submitter) {
      var task = state.dialogTask;
      var toBoard = submitter && submitter.hasAttribute("data-vv-to-board");
      var body = toBoard
        ? { to_board: true, note: data.body.note || "" }
        : { caretaker_id: data.body.caretaker_id || null, note: data.body.note || "", skills_override: !!data.body.skills_override };
      return KK.api("/api/v1/tasks/" + task.id + "/assignments", { method: "POST", body: body }).then(function (assignment) {
        state.opener = null;
        closeDialog();
        return load().then(function () {
          KK.status(toBoard ? task.case_number + " er lagt tilbage på tavlen." : task.case_number + " er givet til " + assignment.caretaker_name + ".");
          $(toBoard || task.assigned_caretaker ? "#assigned-heading" : "#waiting-heading").focus();
        });
      });
    });
  }

  KK.page.ready(function () {
    state.messages = VV.notifications($("[data-vv-notifications]"), $("[data-vv-unread]"), $("#notes-heading"));
    bindDialog();
    var select = $("[data-vv-team-form] select");
    select.addEventListener("change", function () {
      state.teamId = select.value;
      load().catch(function (e) { KK.alert(e.message); });
    });
    $("[data-vv-team-form]").addEventListener("submit", function (event) { event.preventDefault(); });
    var now = VV.poll(function () { return load().catch(function (e) { KK.alert(e.message); }); }, REFRESH_MS);
    $("[data-vv-refresh]").addEventListener("click", function () { now(); });
    $("[data-vv-dispatch]").addEventListener("click", function () {
      var button = $("[data-vv-dispatch]");
      button.disabled = true;
      KK.api("/api/v1/dispatch-runs", { method: "POST" }).then(function (run) {
        return load().then(function () {
          KK.status(run.assigned === 0 ? "Ingen ventende opgaver kunne fordeles lige nu." : run.assigned === 1 ? "1 opgave er fordelt." : run.assigned + " opgaver er fordelt.");
        });
      }).catch(function (e) { KK.alert(e.message); }).then(function () { button.disabled = false; });
    });
    Promise.all([
      KK.api("/api/v1/task-types").then(function (types) { types.forEach(function (t) { state.types[t.id] = t; }); }),
      KK.api("/api/v1/skills").then(function (skills) { skills.forEach(function (s) { state.skills[s.code] = s.name; }); }),
    ]).then(function () { return now(); }).catch(function (e) { KK.alert(e.message); });
  });
})();
