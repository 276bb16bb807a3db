/*
 * The caretaker's "Min dag" (/min-dag): today's tasks in the day plan's order as big cards that open the task
 * page, today's registered time, and opt-in position sharing (working hours only; the API enforces it).
 * API: GET /api/v1/me/tasks, /me/day-plan, /me/time-entries, /me/location-sharing; PUT /me/location-sharing;
 *      POST /me/positions; GET /me/notifications (through VV.notifications).
 * Offline (offline.js): the last answers are kept in sessionStorage and shown with a note; cards show the
 * changes still waiting on the phone; today's task pages (shell + data) are kept so they open without coverage.
 */
(function () {
  "use strict";
  var el = KK.el;
  var REFRESH_MS = 60000;

  function $(selector) { return document.querySelector(selector); }

  var names = {};  // task id -> case number, for the time table

  function card(task, stop, index) {
    var waiting = task.status === "afventer" || task.status === "materiale_bestilles";
    var place = [task.room && task.room.name, task.component && task.component.name].filter(Boolean).join(" · ");
    var when = waiting ? "Venter" : "Stop " + (index + 1) + (stop ? " · ca. " + VV.clockText(stop.arrive_at) : "");
    return el("li", null,
      el("a", { class: "vv-card vv-card--" + task.priority + (waiting ? " vv-card--waiting" : ""), href: "/opgaver/" + task.id, "data-task-id": task.id },
        el("span", { class: "vv-card__top" }, el("span", { class: "vv-stop" }, when), VV.statusTag(task)),
        el("span", { class: "vv-card__title" }, task.title),
        el("span", { class: "vv-card__meta" }, task.building.name + ", " + task.building.address),
        place ? el("span", { class: "vv-card__meta" }, place) : null,
        el("span", { class: "vv-card__meta" }, [task.case_number, "forventet " + VV.duration(task.expected_minutes), VV.priorityText(task) ? VV.priorityText(task).textContent : null].filter(Boolean).join(" · "))));
  }

  var offlineAt = null;
  var kept = false;

  function showOfflineNote() {
    var note = $("[data-vv-offline-note]");
    note.hidden = !offlineAt;
    note.textContent = offlineAt ? "Uden forbindelse: listen er, som den var " + VV.clockText(offlineAt) + "." : "";
  }

  /** Keep today's task pages and their data, so a card opens in a basement too (once per page load). */
  function keepTasks(tasks) {
    if (kept || !navigator.onLine) return;
    kept = true;
    VV.offline.keepPages(tasks.map(function (t) { return "/opgaver/" + t.id; })).then(function () {
      return tasks.reduce(function (chain, t) {
        return chain.then(function () {
          return KK.api("/api/v1/tasks/" + t.id).then(function (detail) { VV.offline.snapshot.save("task." + t.id, detail); });
        }).catch(function () { /* next time */ });
      }, Promise.resolve());
    });
  }

  /** Mark the cards whose task has changes waiting on the phone. */
  function markPending() {
    KK.all("[data-vv-tasks] a[data-task-id]").forEach(function (card) {
      var waiting = VV.offline.pending(card.getAttribute("data-task-id")).filter(function (i) { return i.kind === "status"; });
      var tag = card.querySelector("[data-vv-card-pending]");
      if (tag) tag.parentNode.removeChild(tag);
      if (!waiting.length) return;
      var last = waiting[waiting.length - 1];
      card.querySelector(".vv-card__top").appendChild(el("span", { class: "tag vv-tag--pending", "data-vv-card-pending": "" }, "Venter: " + last.status_label));
    });
  }

  function fetchDay() {
    // One after the other: both answers recompute today's plan, and two at once collide in the API (500).
    var plan = null;
    return KK.api("/api/v1/me/day-plan").then(function (answer) {
      plan = answer;
      return KK.api("/api/v1/me/tasks");
    }).then(function (tasks) {
      VV.offline.snapshot.save("myday", { plan: plan, tasks: tasks });
      offlineAt = null;
      keepTasks(tasks);
      return { plan: plan, tasks: tasks };
    }, function (error) {
      var day = VV.offline.isNetworkError(error) && VV.offline.snapshot.load("myday");
      if (!day) throw error;
      offlineAt = day.at;
      return day.data;
    });
  }

  function loadTasks() {
    return fetchDay().then(function (day) {
      var plan = day.plan;
      var tasks = day.tasks;
      showOfflineNote();
      var stopOf = {};
      plan.stops.forEach(function (stop) { stop.task_ids.forEach(function (id) { stopOf[id] = stop; }); });
      tasks.forEach(function (t) { names[t.id] = t.case_number; });
      var list = KK.clear($("[data-vv-tasks]"));
      var position = 0;
      tasks.forEach(function (task) {
        var waiting = task.status === "afventer" || task.status === "materiale_bestilles";
        list.appendChild(card(task, stopOf[task.id], waiting ? 0 : position));
        if (!waiting) position += 1;
      });
      if (!tasks.length) list.appendChild(el("li", { class: "empty" }, "Du har ingen opgaver i dag."));
      var parts = [tasks.length === 1 ? "1 opgave" : tasks.length + " opgaver"];
      if (plan.stops.length) {
        parts.push(VV.kmText(plan.total_km) + " kørsel");
        parts.push(VV.duration(plan.work_minutes) + " arbejde");
        if (plan.saving_percent) parts.push(VV.kmText(plan.naive_km - plan.total_km) + " sparet ved rækkefølgen");
      }
      $("[data-vv-plan-summary]").textContent = parts.join(" · ") + ".";
      var notes = $("[data-vv-plan-notes]");
      notes.hidden = !plan.notes;
      notes.textContent = plan.notes || "";
      markPending();
      if (!offlineAt) VV.stamp($("[data-vv-updated]"));
    });
  }

  function fetchTime() {
    return KK.api("/api/v1/me/time-entries").then(function (entries) {
      VV.offline.snapshot.save("mytime", entries);
      return entries;
    }, function (error) {
      var keptTime = VV.offline.isNetworkError(error) && VV.offline.snapshot.load("mytime");
      if (!keptTime) throw error;
      return keptTime.data;
    });
  }

  function loadTime() {
    return fetchTime().then(function (entries) {
      var total = 0;
      var running = null;
      entries.forEach(function (e) {
        if (e.ended_at) total += e.minutes || 0;
        else { running = e; total += (Date.now() - new Date(e.started_at).getTime()) / 60000; }
      });
      $("[data-vv-time-total]").textContent = entries.length
        ? "Registreret i dag: " + VV.duration(total) + "." + (running ? " Uret kører på " + (names[running.task_id] || "en opgave") + "." : "")
        : "Du har ikke registreret tid i dag.";
      KK.table($("[data-vv-time-table]"), {
        caption: "Dagens tidsregistreringer",
        captionHidden: true,
        rows: entries,
        empty: "Ingen tidsregistreringer i dag.",
        columns: [
          { label: "Opgave", value: function (e) { return el("a", { href: "/opgaver/" + e.task_id }, names[e.task_id] || "Opgave"); } },
          { label: "Start", value: function (e) { return VV.clockText(e.started_at); } },
          { label: "Slut", value: function (e) { return e.ended_at ? VV.clockText(e.ended_at) : "kører"; } },
          { label: "Tid", value: function (e) { return e.ended_at ? VV.duration(e.minutes) : "–"; } },
        ],
      });
    });
  }

  /* ---------------------------------------------------------------- position sharing (opt-in) */

  function showSharing(sharing) {
    $("[data-vv-sharing-explanation]").textContent = sharing.explanation;
    $("[data-vv-sharing-state]").textContent = sharing.enabled ? "Du deler din position i arbejdstiden." : "Du deler ikke din position.";
    var toggle = $("[data-vv-sharing-toggle]");
    toggle.setAttribute("aria-pressed", sharing.enabled ? "true" : "false");
    toggle.textContent = sharing.enabled ? "Stop med at dele min position" : "Del min position";
    $("[data-vv-send-position]").hidden = !sharing.enabled;
  }

  function sendPosition() {
    if (!navigator.geolocation) { KK.alert("Telefonen kan ikke give en position."); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      KK.api("/api/v1/me/positions", {
        method: "POST",
        body: { latitude: pos.coords.latitude, longitude: pos.coords.longitude, accuracy_m: Math.min(pos.coords.accuracy || 0, 5000) },
      }).then(function () { KK.status("Din position er sendt."); }, function (e) { KK.alert(e.message); });
    }, function () {
      KK.alert("Positionen kunne ikke bestemmes. Tillad adgang til position i browseren, og prøv igen.");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function setUpSharing() {
    var toggle = $("[data-vv-sharing-toggle]");
    toggle.addEventListener("click", function () {
      var enabled = toggle.getAttribute("aria-pressed") !== "true";
      toggle.disabled = true;
      KK.api("/api/v1/me/location-sharing", { method: "PUT", body: { enabled: enabled } }).then(function (sharing) {
        showSharing(sharing);
        KK.status(sharing.enabled ? "Positionsdeling er slået til." : "Positionsdeling er slået fra.");
      }, function (e) { KK.alert(e.message); }).then(function () { toggle.disabled = false; });
    });
    $("[data-vv-send-position]").addEventListener("click", sendPosition);
    return KK.api("/api/v1/me/location-sharing").then(showSharing);
  }

  var messages = null;

  function refresh() {
    return Promise.all([loadTasks().then(loadTime), messages.load()]).catch(function (e) {
      if (!(VV.offline.isNetworkError(e) && !navigator.onLine)) KK.alert(e.message);
    });
  }

  KK.page.ready(function (user) {
    VV.offline.init(user, { container: $("[data-vv-offline]"), onSent: function () { return refresh(); } });
    VV.offline.onChange(markPending);
    messages = VV.notifications($("[data-vv-notifications]"), $("[data-vv-unread]"), $("#notes-heading"));
    var now = VV.poll(refresh, REFRESH_MS);
    $("[data-vv-refresh]").addEventListener("click", function () { now().then(function () { KK.status("Listen er opdateret."); }); });
    now();
    setUpSharing().catch(function (e) { if (!(VV.offline.isNetworkError(e) && !navigator.onLine)) KK.alert(e.message); });
  });
})();
