/*
 * The orderer's portal (/bestilling): order a task for one of the institution's buildings (with photos from
 * the phone's camera), follow the institution's tasks live and read the in-portal messages.
 * API: GET /api/v1/buildings, /buildings/{id}, /task-types, /tasks; POST /photos, /tasks;
 *      GET /me/notifications, POST /notifications/{id}/reads (through VV.notifications).
 */
(function () {
  "use strict";
  var el = KK.el;
  var REFRESH_MS = 20000;

  var state = { show: "open", cursor: null, tasks: [], known: {} };

  function byId(selector) { return document.querySelector(selector); }

  function option(value, text) { return el("option", { value: value }, text); }

  function fillPlace(form, building) {
    var rooms = form.querySelector("[name=room_id]");
    var parts = form.querySelector("[name=component_id]");
    [rooms, parts].forEach(function (select) { while (select.options.length > 1) select.remove(1); });
    building.rooms.forEach(function (r) { rooms.appendChild(option(r.id, r.name + (r.floor ? " (" + r.floor + ")" : ""))); });
    var roomNames = {};
    building.rooms.forEach(function (r) { roomNames[r.id] = r.name; });
    building.components.filter(function (c) { return c.active; }).forEach(function (c) {
      var where = c.room_id && roomNames[c.room_id] ? " – " + roomNames[c.room_id] : "";
      parts.appendChild(el("option", { value: c.id, "data-room": c.room_id || "" }, c.name + where));
    });
    form.querySelector("[data-vv-place-details]").hidden = building.rooms.length === 0 && building.components.length === 0;
  }

  function loadBuilding(form, id, nameOnly) {
    if (!id) { form.querySelector("[data-vv-place-details]").hidden = true; return Promise.resolve(null); }
    return KK.api("/api/v1/buildings/" + encodeURIComponent(id)).then(function (building) {
      if (!nameOnly) fillPlace(form, building);
      if (building.institution) byId("[data-vv-institution]").textContent = building.institution.name + "s";
      return building;
    });
  }

  function setUpOrderForm() {
    var form = byId("[data-vv-order-form]");
    var buildingSelect = form.querySelector("[name=building_id]");
    var order = VV.orderForm(form, {
      place: function () { return {}; },
      done: function (task, created) {
        var who = task.assigned_caretaker ? " Den er givet til " + task.assigned_caretaker.name + "." : " Den venter på at blive fordelt.";
        KK.status((created ? "Opgaven er bestilt: " : "Opgaven var allerede bestilt: ") + task.case_number + " – " + task.title + "." + who);
        var keep = buildingSelect.value;
        form.reset();
        buildingSelect.value = keep;
        state.known[task.id] = task.status;
        refresh();
      },
    });
    form.querySelector("[name=component_id]").addEventListener("change", function (event) {
      var room = event.target.selectedOptions[0] && event.target.selectedOptions[0].getAttribute("data-room");
      if (room) form.querySelector("[name=room_id]").value = room;
    });
    buildingSelect.addEventListener("change", function () {
      loadBuilding(form, buildingSelect.value).catch(function (e) { KK.alert(e.message); });
    });
    return Promise.all([
      VV.loadTaskTypes(order),
      KK.api("/api/v1/buildings", { query: { limit: 500 } }).then(function (page) {
        page.items.forEach(function (b) { buildingSelect.appendChild(option(b.id, b.name + ", " + b.address)); });
        if (page.items.length === 1) buildingSelect.value = page.items[0].id;
        // The first building's details name the institution; with one building they also fill rooms and parts.
        return loadBuilding(form, page.items.length ? page.items[0].id : null, page.items.length !== 1);
      }),
    ]);
  }

  /* ---------------------------------------------------------------- the institution's tasks, live */

  function renderTasks() {
    KK.table(byId("[data-vv-tasks]"), {
      caption: state.show === "open" ? "Institutionens åbne opgaver" : "Institutionens opgaver",
      captionHidden: true,
      empty: state.show === "open" ? "Institutionen har ingen åbne opgaver." : "Institutionen har ingen opgaver.",
      rows: state.tasks,
      rowAttrs: function (t) { return { "data-task-id": t.id }; },
      columns: [
        { label: "Sag", value: function (t) { return el("a", { href: "/opgaver/" + t.id }, t.case_number); } },
        { label: "Opgave", class: "cell--wrap", value: function (t) { return [t.title, VV.priorityText(t) ? el("br") : null, VV.priorityText(t)]; } },
        { label: "Status", value: function (t) { return [VV.statusTag(t), el("br"), el("span", { class: "vv-note" }, KK.format.dateTime(t.status_at))]; } },
        { label: "Vicevært", value: function (t) { return t.assigned_caretaker ? t.assigned_caretaker.name : "Ikke fordelt endnu"; } },
        { label: "Bestilt", value: function (t) { return [KK.format.dateTime(t.reported_at), el("br"), el("span", { class: "vv-note" }, t.ordered_by_name)]; } },
      ],
    });
    byId("[data-vv-more]").hidden = !state.cursor;
  }

  function announceChanges(items) {
    var changed = items.filter(function (t) { return state.known[t.id] && state.known[t.id] !== t.status; });
    items.forEach(function (t) { state.known[t.id] = t.status; });
    if (changed.length === 1) KK.status("Ny status: " + changed[0].case_number + " er nu " + changed[0].status_label + ".");
    else if (changed.length > 1) KK.status("Ny status på " + changed.length + " opgaver.");
  }

  function loadTasks(append) {
    var query = { limit: 25, open_only: state.show === "open" ? "true" : null };
    if (append && state.cursor) query.cursor = state.cursor;
    return KK.api("/api/v1/tasks", { query: query }).then(function (page) {
      if (!append) announceChanges(page.items);
      state.tasks = append ? state.tasks.concat(page.items) : page.items;
      state.cursor = page.next_cursor;
      renderTasks();
      VV.stamp(byId("[data-vv-updated]"));
    });
  }

  var messages = null;

  function refresh() {
    return Promise.all([loadTasks(false), messages.load()]).catch(function (e) { KK.alert(e.message); });
  }

  KK.page.ready(function () {
    messages = VV.notifications(byId("[data-vv-notifications]"), byId("[data-vv-unread]"), byId("#notes-heading"));
    setUpOrderForm().catch(function (e) { KK.alert(e.message); });
    KK.all("[name=show]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        state.show = radio.value;
        state.cursor = null;
        loadTasks(false).catch(function (e) { KK.alert(e.message); });
      });
    });
    byId("[data-vv-task-filter]").addEventListener("submit", function (event) { event.preventDefault(); });
    byId("[data-vv-more]").addEventListener("click", function () { loadTasks(true).catch(function (e) { KK.alert(e.message); }); });
    var now = VV.poll(refresh, REFRESH_MS);
    byId("[data-vv-refresh]").addEventListener("click", function () { now(); });
    now();
  });
})();
