/*
 * One task (/opgaver/{task_id}) for everyone who may see it – the API decides what each role gets:
 * status buttons from `allowed_next_statuses`, time entries and assignments only for staff, and 404 for
 * anyone else. The caretaker reports status with a note and photos, and starts/stops the timer.
 * API: GET /api/v1/tasks/{id}, /buildings/{id}, /me/caretaker; POST /tasks/{id}/status-changes, /photos,
 *      /tasks/{id}/time-entries, /time-entries/{id}/stops, /tasks/{id}/cancellations; GET /documents/{id}.
 * Offline (caretakers, offline.js): status reports (with their photos, kept in IndexedDB after the same size and
 * type checks as the API's) and timer starts/stops are queued on the phone and sent through POST /photos,
 * POST /sync/status-changes and the time-entry endpoints when the phone is online again; the page then
 * shows the last answer it had (sessionStorage) with the waiting changes on top, and the buttons from the
 * API's own `next_statuses_after`.
 */
(function () {
  "use strict";
  var el = KK.el;
  var TERMINAL = ["loest", "kan_ikke_loeses", "annulleret", "opdelt"];
  var SOURCES = { portal: "Bestillingsportalen", qr: "QR-kode i bygningen", servicedesk: "KEIDs servicedesk", kasa: "KASA Helpdesk", plan: "Fast/forebyggende opgave", split: "Delopgave" };
  var KINDS = { plantegning: "Plantegning", teknisk_installation: "Teknisk installation", manual: "Manual", andet: "Dokument" };
  var ASSIGNMENT_KINDS = { caretaker: "Vicevært", board: "Tavlen", pool: "Puljen" };

  var TIME_SOURCES = { timer: "Ur", status: "Status ‘i gang’", manual: "Indtastet" };

  var taskId = KK.page.params.task_id;
  var state = {
    task: null, server: null, building: null, me: null, user: null, clock: null,
    statusKeys: {}, statusTimes: {}, timerKey: KK.idempotencyKey(), timerAt: null, offline: false,
  };
  var STATUS_LABELS = {
    modtaget: "modtaget", paa_vej: "på vej", i_gang: "i gang", materiale_bestilles: "materiale bestilles",
    afventer: "afventer", loest: "løst", kan_ikke_loeses: "kan ikke løses",
  };

  function $(selector) { return document.querySelector(selector); }

  function hasRole(roles) { return KK.session.hasRole(state.user, roles); }

  function fact(dl, label, value) {
    if (value === null || value === undefined || value === "") return;
    dl.appendChild(el("dt", null, label));
    dl.appendChild(el("dd", null, value));
  }

  function setBack() {
    var back = $("[data-vv-back]");
    var target = hasRole(["vicevaert"]) ? ["/min-dag", "Tilbage til Min dag"]
      : hasRole(["teamleder"]) ? ["/tavle", "Tilbage til tavlen"]
      : hasRole(["bestiller"]) ? ["/bestilling", "Tilbage til bestilling"]
      : ["/", "Tilbage til forsiden"];
    back.setAttribute("href", target[0]);
    back.textContent = "‹ " + target[1];
  }

  /* ---------------------------------------------------------------- rendering */

  function renderHead(task) {
    $("[data-vv-title]").textContent = task.title;
    state.pageTitle = state.pageTitle || document.title;
    document.title = task.title + " – " + state.pageTitle;
    var head = KK.clear($("[data-vv-head]"));
    head.appendChild(VV.statusTag(task));
    if (VV.priorityText(task)) head.appendChild(VV.priorityText(task));
    head.appendChild(el("span", { class: "vv-note" }, "Sag " + task.case_number + (task.keid_case_number ? " · KASA " + task.keid_case_number : "")));
  }

  function renderStatusPanel(task) {
    var allowed = task.allowed_next_statuses || [];
    var buttons = KK.all("[data-vv-status-button]");
    var usable = buttons.some(function (b) { return allowed.indexOf(b.value) !== -1; });
    $("[data-vv-status-panel]").hidden = !usable;
    $("[data-vv-current-status]").textContent = VV.capital(task.status_label);
    applyButtons();
  }

  /** Enable exactly the statuses the API allows now (also after kk.js re-enables a form's buttons). */
  function applyButtons() {
    var task = state.task;
    if (!task) return;
    var allowed = task.allowed_next_statuses || [];
    KK.all("[data-vv-status-button]").forEach(function (b) {
      b.disabled = allowed.indexOf(b.value) === -1;
      if (b.value === task.status) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
    });
  }

  function myRunningEntry(task) {
    if (!state.me || !task.time_entries) return null;
    return task.time_entries.filter(function (e) { return !e.ended_at && (e.pending || e.caretaker_id === state.me.id); })[0] || null;
  }

  function tick(entry) {
    window.clearInterval(state.clock);
    var clock = $("[data-vv-clock]");
    function draw() {
      var seconds = entry ? Math.max(0, Math.floor((Date.now() - new Date(entry.started_at).getTime()) / 1000)) : 0;
      var h = Math.floor(seconds / 3600);
      var m = Math.floor((seconds % 3600) / 60);
      var s = seconds % 60;
      clock.textContent = h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    }
    draw();
    if (entry) state.clock = window.setInterval(draw, 1000);
  }

  function renderTime(task) {
    var panel = $("[data-vv-time-panel]");
    if (!task.time_entries) { panel.hidden = true; return; }
    panel.hidden = false;
    var mine = !!state.me && !!task.assigned_caretaker && task.assigned_caretaker.id === state.me.id;
    var running = myRunningEntry(task);
    var button = $("[data-vv-timer-button]");
    var timer = $(".vv-timer");
    timer.hidden = !(mine || running);
    button.textContent = running ? "Stop uret" : "Start uret";
    button.classList.toggle("vv-timer__button--stop", !!running);
    button.setAttribute("data-vv-running", running ? "true" : "false");
    tick(running);
    var text = running ? "Uret kører siden " + VV.clockText(running.started_at) + "." : "Uret kører ikke.";
    $("[data-vv-timer-text]").textContent = text + " I alt på opgaven: " + VV.duration(task.worked_minutes) + ".";
    KK.table($("[data-vv-time-table]"), {
      caption: "Tidsregistreringer på opgaven",
      captionHidden: true,
      empty: "Der er ikke registreret tid på opgaven.",
      rows: task.time_entries,
      columns: [
        { label: "Start", value: function (e) { return KK.format.dateTime(e.started_at); } },
        { label: "Slut", value: function (e) { return e.ended_at ? KK.format.dateTime(e.ended_at) : "Kører"; } },
        { label: "Tid", value: function (e) { return e.ended_at ? VV.duration(e.minutes) : "–"; } },
        { label: "Kilde", value: function (e) { return e.pending ? "Venter på forbindelse" : (TIME_SOURCES[e.source] || e.source) + (e.corrected ? " (rettet)" : ""); } },
      ],
    });
  }

  function renderAbout(task) {
    $("[data-vv-description]").textContent = task.description;
    var dl = KK.clear($("[data-vv-facts]"));
    fact(dl, "Opgavetype", task.task_type.name);
    fact(dl, "Rum", task.room && task.room.name);
    fact(dl, "Installation", task.component && task.component.name);
    fact(dl, "Bestilt af", task.ordered_by_name + (task.institution ? ", " + task.institution.name : ""));
    fact(dl, "Meldt", KK.format.dateTime(task.reported_at));
    fact(dl, "Kilde", SOURCES[task.source] || task.source);
    fact(dl, "Vicevært", task.assigned_caretaker ? task.assigned_caretaker.name : "Ikke fordelt endnu");
    fact(dl, "Planlagt til", task.planned_for ? KK.format.date(task.planned_for) : null);
    fact(dl, "Forventet tid", VV.duration(task.expected_minutes));
    fact(dl, "Løst", task.resolved_at ? KK.format.dateTime(task.resolved_at) : null);
    var photos = KK.clear($("[data-vv-photos-list]"));
    photos.hidden = !task.photos.length;
    task.photos.forEach(function (photo, index) {
      var open = el("button", { type: "button", class: "button button--secondary button--small", "aria-label": "Åbn billede " + (index + 1) + " i stor størrelse" }, "Åbn");
      open.addEventListener("click", function () { VV.openFile(photo.url).catch(function (e) { KK.alert(e.message); }); });
      photos.appendChild(el("li", { "data-photo-id": photo.id }, VV.image(photo.url, "Billede " + (index + 1) + " til opgaven"), open));
    });
  }

  function renderBuilding(task, building) {
    $("[data-vv-building-name]").textContent = task.building.name;
    var dl = KK.clear($("[data-vv-building-facts]"));
    var map = "https://www.openstreetmap.org/?mlat=" + task.building.latitude + "&mlon=" + task.building.longitude + "#map=18/" + task.building.latitude + "/" + task.building.longitude;
    fact(dl, "Adresse", [task.building.address + ", " + task.building.postal_code + " ",
      el("br"), el("a", { href: map, target: "_blank", rel: "noopener noreferrer" }, "Vis på kort (OpenStreetMap, åbner i ny fane)")]);
    if (!building) return;
    fact(dl, "Praktisk", building.notes);
    fact(dl, "Institution", building.institution && building.institution.name);
    fact(dl, "Team", building.team && building.team.name);
    fact(dl, "KEID-ejendom", building.keid_property_number);
    fact(dl, "Åbne opgaver", KK.format.number(building.open_tasks));
    var docs = KK.clear($("[data-vv-documents]"));
    docs.appendChild(el("h3", null, "Tegninger og dokumenter"));
    if (!building.documents.length) docs.appendChild(el("p", { class: "empty" }, "Bygningen har ingen dokumenter."));
    else docs.appendChild(el("ul", { class: "vv-files" }, building.documents.map(function (d) {
      var open = el("button", { type: "button", class: "button button--secondary button--small", "data-vv-document": d.id, "aria-label": "Åbn " + d.title }, "Åbn");
      open.addEventListener("click", function () { VV.openFile(d.download_url).catch(function (e) { KK.alert(e.message); }); });
      return el("li", null, el("span", null, el("strong", null, d.title), " – " + (KINDS[d.kind] || d.kind) + ", " + Math.max(1, Math.round(d.size / 1024)) + " kB"), open);
    })));
    var parts = KK.clear($("[data-vv-parts]"));
    if (building.components.length) {
      var rooms = {};
      building.rooms.forEach(function (r) { rooms[r.id] = r.name + (r.floor ? " (" + r.floor + ")" : ""); });
      var details = el("details", { class: "details" }, el("summary", { class: "details__summary" }, "Installationer i bygningen (" + building.components.length + ")"));
      var box = el("div");
      details.appendChild(box);
      parts.appendChild(details);
      KK.table(box, {
        caption: "Installationer i bygningen",
        captionHidden: true,
        rows: building.components,
        columns: [
          { label: "Installation", value: function (c) { return c.name; } },
          { label: "Rum", value: function (c) { return rooms[c.room_id] || "–"; } },
          { label: "Fabrikat", value: function (c) { return [c.manufacturer, c.model].filter(Boolean).join(" ") || "–"; } },
          { label: "Installeret", value: function (c) { return c.installed_on ? KK.format.date(c.installed_on) : "–"; } },
        ],
      });
    }
  }

  function renderHistory(task) {
    var list = KK.clear($("[data-vv-history]"));
    list.appendChild(el("li", null, el("strong", null, "Bestilt"),
      el("span", { class: "vv-timeline__when" }, KK.format.dateTime(task.reported_at) + " · " + task.ordered_by_name)));
    task.status_changes.forEach(function (c) {
      list.appendChild(el("li", { "data-status-change": c.status },
        el("strong", null, VV.capital(c.status_label)),
        el("span", { class: "vv-timeline__when" }, KK.format.dateTime(c.occurred_at) + " · " + c.actor_name),
        c.note ? el("span", { class: "vv-timeline__note" }, "“" + c.note + "”") : null,
        c.outcome !== "applied" ? el("span", { class: "vv-timeline__note vv-note" }, c.outcome_text) : null,
        c.photo_ids.length ? el("span", { class: "vv-timeline__note vv-note" }, c.photo_ids.length === 1 ? "1 billede" : c.photo_ids.length + " billeder") : null));
    });
  }

  function renderAssignments(task) {
    var panel = $("[data-vv-assignments-panel]");
    panel.hidden = !task.assignments || !task.assignments.length;
    if (panel.hidden) return;
    KK.table($("[data-vv-assignments]"), {
      caption: "Fordeling af opgaven",
      captionHidden: true,
      rows: task.assignments.slice().reverse(),
      columns: [
        { label: "Tidspunkt", value: function (a) { return KK.format.dateTime(a.created_at); } },
        { label: "Til", value: function (a) { return a.caretaker_name || ASSIGNMENT_KINDS[a.kind] || a.kind; } },
        { label: "Begrundelse", class: "cell--wrap", value: function (a) { return a.reason; } },
      ],
    });
  }

  function renderCancel(task) {
    var open = TERMINAL.indexOf(task.status) === -1;
    $("[data-vv-cancel-panel]").hidden = !(open && hasRole(["bestiller", "teamleder", "servicedesk", "admin"]));
  }

  function render(task, building) {
    state.task = task;
    renderHead(task);
    renderStatusPanel(task);
    renderTime(task);
    renderAbout(task);
    renderBuilding(task, building);
    renderHistory(task);
    renderAssignments(task);
    renderCancel(task);
    $("[data-vv-loading]").hidden = true;
    $("[data-vv-task]").hidden = false;
  }

  /* ---------------------------------------------------------------- offline view */

  /** The task as the server last answered, with the changes still waiting on the phone applied on top. */
  function localView(server) {
    if (!state.offline) return server;
    var waiting = VV.offline.pending(taskId);
    if (!waiting.length) return server;
    var task = JSON.parse(JSON.stringify(server));
    var flow = task.next_statuses_after || {};
    task.time_entries = task.time_entries || [];
    waiting.forEach(function (item) {
      if (item.kind === "status") {
        task.status = item.status;
        task.status_label = STATUS_LABELS[item.status] || item.status_label;
        task.allowed_next_statuses = flow[item.status] || [];
        task.status_changes.push({
          status: item.status, status_label: task.status_label, occurred_at: item.occurred_at, actor_name: state.user ? state.user.name : "",
          note: item.note, outcome: "pending", outcome_text: "Venter på forbindelse – sendes automatisk",
          photo_ids: (item.photo_ids || []).concat((item.photos || []).filter(function (p) { return !p.refused; })),
        });
      } else if (item.kind === "time_start" || item.kind === "time_period") {
        task.time_entries.push({ id: null, pending: true, client_entry_id: item.id, caretaker_id: state.me && state.me.id, started_at: item.started_at,
          ended_at: item.ended_at || null, minutes: item.ended_at ? (new Date(item.ended_at) - new Date(item.started_at)) / 60000 : null, source: "timer", corrected: false });
      } else if (item.kind === "time_stop") {
        task.time_entries.forEach(function (e) {
          if (e.id === item.entry_id) { e.ended_at = item.ended_at; e.minutes = (new Date(item.ended_at) - new Date(e.started_at)) / 60000; }
        });
      }
    });
    return task;
  }

  function showOfflineNote() {
    var note = $("[data-vv-offline-note]");
    note.hidden = !state.offlineAt;
    note.textContent = state.offlineAt ? "Uden forbindelse: opgaven vises, som den var " + VV.clockText(state.offlineAt) + ". Ændringer sendes, når der er forbindelse." : "";
  }

  function show(task, building, offlineAt) {
    state.server = task;
    state.building = building;
    state.offlineAt = offlineAt || null;
    showOfflineNote();
    render(localView(task), building);
  }

  function load() {
    return KK.api("/api/v1/tasks/" + encodeURIComponent(taskId)).then(function (task) {
      if (state.offline) VV.offline.snapshot.save("task." + taskId, task);
      return KK.api("/api/v1/buildings/" + task.building.id).then(function (building) {
        if (state.offline) VV.offline.snapshot.save("building." + building.id, building);
        show(task, building, null);
      }, function () { show(task, null, null); });
    }, function (error) {
      if (!state.offline || !VV.offline.isNetworkError(error)) throw error;
      var kept = VV.offline.snapshot.load("task." + taskId);
      if (!kept) throw new KK.Problem(0, { detail: "Opgaven kan ikke hentes uden forbindelse. Åbn den fra Min dag, når der er forbindelse." });
      var building = VV.offline.snapshot.load("building." + kept.data.building.id);
      show(kept.data, building && building.data, kept.at);
    });
  }

  /* ---------------------------------------------------------------- actions */

  function focusAfterUpdate() {
    var target = $("[data-vv-status-panel]").hidden ? $("[data-vv-title]") : $("#status-heading");
    target.setAttribute("tabindex", "-1");
    target.focus();
  }

  function bindStatusForm() {
    var form = $("[data-vv-status-form]");
    var camera = VV.photos(form.querySelector("[data-vv-photos]"), form.querySelector("[data-vv-preview]"));
    var hasPhotos = function () { return !!(form.querySelector("[data-vv-photos]").files || []).length; };
    KK.form.bind(form, function (data, _form, submitter) {
      var status = submitter && submitter.value;
      // One id and one phone time per intended report: a retry after a lost answer (or the offline queue) sends
      // the same report; after a refusal the id is kept but the time is taken anew.
      if (!state.statusKeys[status]) state.statusKeys[status] = KK.idempotencyKey();
      if (!state.statusTimes[status]) state.statusTimes[status] = new Date().toISOString();
      var change = {
        task_id: taskId, status: status, status_label: STATUS_LABELS[status], note: (data.body.note || "").trim(),
        occurred_at: state.statusTimes[status], client_update_id: state.statusKeys[status], photo_ids: [],
        label: state.task ? state.task.case_number + " " + state.task.title : "",
      };
      /** Keep the report on the phone: with photo ids already uploaded, or with the chosen files themselves. */
      function queue(photoIds, withFiles) {
        change.photo_ids = photoIds || [];
        var files = withFiles ? camera.files() : [];
        var checked = files.length ? camera.check() : Promise.resolve([]);
        return checked.then(function (types) {
          var keys = camera.keys();
          return VV.offline.queueStatus(change, files.map(function (file, i) { return { file: file, type: types[i], key: keys[i] }; }));
        }).then(function () {
          state.statusKeys = {};
          state.statusTimes = {};
          form.reset();
          camera.reset();
          render(localView(state.server), state.building);
          var label = "‘" + VV.capital(change.status_label) + "’";
          KK.status(files.length
            ? "Ingen forbindelse: " + label + " er gemt på telefonen med " + (files.length === 1 ? "billedet. Billedet sendes, når du er online igen." : files.length + " billeder. Billederne sendes, når du er online igen.")
            : "Ingen forbindelse: " + label + " er gemt på telefonen og sendes, når der er forbindelse.");
          focusAfterUpdate();
        });
      }
      if (state.offline && VV.offline.shouldQueue()) {
        return queue([], hasPhotos()).then(function () { window.setTimeout(applyButtons, 0); });
      }
      var uploaded = [];
      return camera.upload().then(function (photoIds) {
        uploaded = photoIds;
        return KK.api("/api/v1/tasks/" + taskId + "/status-changes", {
          method: "POST",
          body: { status: status, note: change.note, photo_ids: photoIds, occurred_at: change.occurred_at, client_update_id: change.client_update_id },
        });
      }).then(function (answer) {
        state.statusKeys = {};
        state.statusTimes = {};
        form.reset();
        camera.reset();
        return load().then(function () {
          var message = answer.outcome === "applied" ? "Status er meldt: " + VV.capital(answer.status_label) + "." : answer.outcome_text + ".";
          KK.status(message);
          focusAfterUpdate();
        });
      }, function (error) {
        // The report did not get through: keep it on the phone, with the photos' ids if all were uploaded, else
        // with the files themselves (their keys make a photo that did arrive come back as the same photo).
        if (!VV.offline.isNetworkError(error)) delete state.statusTimes[status];
        if (!state.offline || !VV.offline.isNetworkError(error)) throw error;
        var allUploaded = uploaded.length === camera.files().length;
        return queue(allUploaded ? uploaded : [], !allUploaded);
      }).then(function () { window.setTimeout(applyButtons, 0); }, function (error) {
        window.setTimeout(applyButtons, 0);
        throw error;
      });
    });
  }

  function bindTimer() {
    var button = $("[data-vv-timer-button]");
    function queue(running, at) {
      var label = state.task.case_number + " " + state.task.title;
      if (running) VV.offline.queueTimerStop({ entry_id: running.id, client_entry_id: running.pending ? running.client_entry_id : null, task_id: taskId, ended_at: at, label: label });
      else VV.offline.queueTimerStart({ client_entry_id: state.timerKey, task_id: taskId, started_at: at, label: label });
      state.timerKey = KK.idempotencyKey();
      state.timerAt = null;
      render(localView(state.server), state.building);
      KK.status(running ? "Ingen forbindelse: uret er stoppet på telefonen; tiden sendes, når der er forbindelse."
        : "Ingen forbindelse: uret er startet på telefonen; tiden sendes, når der er forbindelse.");
    }
    button.addEventListener("click", function () {
      var running = myRunningEntry(state.task);
      // The phone's time of the tap, kept for a retry of the same start (the id is kept too).
      var at = running ? new Date().toISOString() : (state.timerAt = state.timerAt || new Date().toISOString());
      button.disabled = true;
      if (state.offline && (VV.offline.shouldQueue() || (running && running.pending))) {
        queue(running, at);
        button.disabled = false;
        button.focus();
        return;
      }
      var call = running
        ? KK.api("/api/v1/time-entries/" + running.id + "/stops", { method: "POST", body: { ended_at: at } })
        : KK.api("/api/v1/tasks/" + taskId + "/time-entries", { method: "POST", body: { client_entry_id: state.timerKey, started_at: at } });
      call.then(function () {
        state.timerKey = KK.idempotencyKey();
        state.timerAt = null;
        return load().then(function () { KK.status(running ? "Uret er stoppet." : "Uret er startet."); });
      }, function (e) {
        if (state.offline && VV.offline.isNetworkError(e)) queue(running, at);
        else { state.timerAt = null; KK.alert(e.message); }
      }).then(function () { button.disabled = false; button.focus(); });
    });
  }

  function bindCancel() {
    var form = $("[data-vv-cancel-form]");
    KK.form.bind(form, function (data) {
      return KK.api("/api/v1/tasks/" + taskId + "/cancellations", { method: "POST", body: { reason: data.body.reason || "" } }).then(function () {
        form.reset();
        return load().then(function () {
          KK.status("Opgaven er annulleret.");
          $("[data-vv-title]").setAttribute("tabindex", "-1");
          $("[data-vv-title]").focus();
        });
      });
    });
  }

  KK.page.ready(function (user) {
    state.user = user;
    state.offline = hasRole(["vicevaert"]);
    setBack();
    bindStatusForm();
    bindTimer();
    bindCancel();
    if (state.offline) {
      VV.offline.init(user, {
        container: $("[data-vv-offline]"),
        taskId: taskId,
        onSent: function () { return load().catch(function (e) { KK.alert(e.message); }); },
      });
      VV.offline.onChange(function () { if (state.server) render(localView(state.server), state.building); });
    }
    var me = state.offline ? KK.api("/api/v1/me/caretaker").then(function (caretaker) {
      VV.offline.snapshot.save("me", caretaker);
      return caretaker;
    }, function () {
      var kept = VV.offline.snapshot.load("me");
      return kept ? kept.data : null;
    }) : Promise.resolve(null);
    me.then(function (caretaker) { state.me = caretaker; return load(); }).catch(function (e) {
      $("[data-vv-loading]").textContent = e.status === 404 ? "Opgaven findes ikke, eller du har ikke adgang til den." : e.message;
      if (e.status !== 404) KK.alert(e.message);
    });
  });
})();
