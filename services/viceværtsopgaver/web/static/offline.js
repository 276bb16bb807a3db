/*
 * The caretaker's offline queue (window.VV.offline), used by "Min dag" and the task page.
 *
 * Caretakers work in basements without coverage. When the phone is offline (or a request fails with a network
 * error), status reports and timer starts/stops are kept in localStorage – per user, in the order they were
 * made, each with the phone's own time and an id made on the phone – and shown as "N ændringer venter på
 * forbindelse" (role=status). When the phone is online again (the `online` event, every page load, and every
 * 30 s while something waits) they are sent in order: status reports in batches through
 * POST /api/v1/sync/status-changes, timer starts/stops through the time-entry endpoints. The ids make a resend
 * harmless. What the server reports as a conflict (refused, "late", "superseded") is kept and shown per task
 * in Danish until the caretaker has read it.
 *
 * Photos with a status report cannot live in localStorage: each is kept as a Blob in IndexedDB ("vv-offline",
 * store "photos") under its own Idempotency-Key made on the phone, with the time it was kept. The report in the
 * queue names the keys. Before the report is sent, each photo is uploaded (POST /api/v1/photos with that key, so
 * an upload whose answer was lost gives the same photo again) and its id noted in the queue; the Blob is deleted
 * once the server has answered the report. A photo the server refuses is shown like a conflict, and the report
 * is sent without it.
 *
 * The pages themselves open without coverage through a small service worker (/vv-offline-sw.js) that keeps
 * their HTML shells and static files, and through the last answers kept in sessionStorage (gone with the tab,
 * like the login token).
 */
(function () {
  "use strict";
  var el = KK.el;
  var CACHE = "vv-offline-v1";
  var KEY_PREFIX = "vv.offline.v1.";
  var SNAPSHOT_PREFIX = "vv.snapshot.v1.";
  var RETRY_MS = 30000;
  var DB_NAME = "vv-offline";
  var PHOTOS = "photos";
  var ORPHAN_MS = 10 * 60 * 1000;  // a photo kept but never queued (the tab closed in between) is removed after this
  var BATCH = 200;
  var OUTCOMES = {
    late: "Registreret i historikken, men en nyere status gælder.",
    superseded: "Registreret i historikken, men opgaven var flyttet til en anden vicevært. Teamlederen er orienteret.",
  };

  var user = null;
  var box = null;
  var countNode = null;
  var conflictsNode = null;
  var options = {};
  var flushing = null;
  var listeners = [];
  var refused = 0;  // conflicts found by the current send

  /* ---------------------------------------------------------------- storage (per user) */

  function storageKey() { return KEY_PREFIX + (user && user.sub ? user.sub : "ukendt"); }

  function read() {
    var state = null;
    try { state = JSON.parse(localStorage.getItem(storageKey()) || "null"); } catch (e) { state = null; }
    if (!state || typeof state !== "object") state = {};
    if (!Array.isArray(state.queue)) state.queue = [];
    if (!Array.isArray(state.conflicts)) state.conflicts = [];
    return state;
  }

  function write(state) {
    try {
      localStorage.setItem(storageKey(), JSON.stringify({ queue: state.queue, conflicts: state.conflicts }));
    } catch (e) {
      KK.alert("Telefonen kan ikke gemme ændringen (lageret er fuldt eller slået fra). Prøv igen med forbindelse.");
      throw e;
    }
    render();
    listeners.forEach(function (fn) { fn(); });
  }

  function update(fn) {
    var state = read();
    fn(state);
    write(state);
  }

  /* ---------------------------------------------------------------- photos (IndexedDB) */

  var opening = null;

  function openDb() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(PHOTOS, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    opening.catch(function () { opening = null; });
    return opening;
  }

  /** Run fn(store) in one transaction; resolves with fn's request result once the transaction is complete. */
  function photoStore(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(PHOTOS, mode);
        var request = fn(tx.objectStore(PHOTOS));
        tx.oncomplete = function () { resolve(request && request.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error || new Error("IndexedDB")); };
      });
    });
  }

  function noRoom() {
    return new KK.Problem(507, {
      detail: "Telefonen har ikke plads til at gemme billedet.",
      errors: [{ field: "/photo_ids", code: "no_room", message: "Telefonen har ikke plads til at gemme billedet, til der er forbindelse. Fjern billedet, eller meld status igen, når der er forbindelse." }],
    });
  }

  /** Keep the photos (all or none): refused when the browser's storage quota cannot hold them. */
  function keepPhotos(records) {
    var bytes = records.reduce(function (sum, r) { return sum + r.size; }, 0);
    var estimate = navigator.storage && navigator.storage.estimate ? navigator.storage.estimate() : Promise.resolve({});
    return estimate.then(function (space) {
      if (space.quota && (space.usage || 0) + bytes > space.quota) throw noRoom();
      // Ask the browser not to clear the photos under storage pressure (it may say no; the quota check stands).
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
      return photoStore("readwrite", function (store) { records.forEach(function (r) { store.put(r); }); return null; }).catch(function () {
        throw noRoom();
      });
    });
  }

  function getPhoto(key) {
    return photoStore("readonly", function (store) { return store.get(key); });
  }

  function dropPhotos(keys) {
    if (!keys.length) return Promise.resolve();
    return photoStore("readwrite", function (store) { keys.forEach(function (k) { store.delete(k); }); return null; }).catch(function () {});
  }

  /** Remove this user's photos that no queued report names (kept, then the tab closed before the report was). */
  function dropOrphans() {
    var sub = user && user.sub;
    return photoStore("readonly", function (store) { return store.getAll(); }).then(function (records) {
      var named = {};
      read().queue.forEach(function (item) { (item.photos || []).forEach(function (p) { named[p.key] = true; }); });
      var old = new Date(Date.now() - ORPHAN_MS).toISOString();
      return dropPhotos((records || []).filter(function (r) { return r.user === sub && !named[r.key] && r.kept_at < old; })
        .map(function (r) { return r.key; }));
    }).catch(function () {});
  }

  function waitingPhotos(queue) {
    return queue.reduce(function (sum, item) {
      return sum + (item.photos || []).filter(function (p) { return !p.refused; }).length;
    }, 0);
  }

  /* ---------------------------------------------------------------- snapshots (sessionStorage) */

  var snapshot = {
    save: function (key, data) {
      try { sessionStorage.setItem(SNAPSHOT_PREFIX + key, JSON.stringify({ at: new Date().toISOString(), data: data })); } catch (e) { /* full: ignore */ }
    },
    load: function (key) {
      try { return JSON.parse(sessionStorage.getItem(SNAPSHOT_PREFIX + key) || "null"); } catch (e) { return null; }
    },
  };

  /* ---------------------------------------------------------------- queueing */

  function isNetworkError(error) { return !!error && error.status === 0; }

  /** Queue instead of sending: offline, or earlier changes still wait (they must reach the server first). */
  function shouldQueue() { return !navigator.onLine || read().queue.length > 0; }

  function add(item) {
    item.queued_at = new Date().toISOString();
    update(function (state) {
      if (state.queue.some(function (q) { return q.id === item.id && q.kind === item.kind; })) return;
      state.queue.push(item);
    });
    flush();
    return item;
  }

  /**
   * A status report: {task_id, status, status_label, note, occurred_at, client_update_id, photo_ids, label}, with
   * photos not yet uploaded as [{file, type, key}] (already checked against the API's size and type rules).
   * Resolves with the queued item; rejects with a KK.Problem on /photo_ids when the phone cannot keep the photos.
   */
  function queueStatus(change, photos) {
    var item = {
      kind: "status",
      id: change.client_update_id,
      task_id: change.task_id,
      status: change.status,
      status_label: change.status_label || change.status,
      note: change.note || "",
      occurred_at: change.occurred_at,
      photo_ids: change.photo_ids || [],
      label: change.label || "",
    };
    if (!photos || !photos.length) return Promise.resolve(add(item));
    var keptAt = new Date().toISOString();
    var records = photos.map(function (p) {
      var type = p.type || p.file.type;
      return {
        key: p.key || KK.idempotencyKey(), user: user && user.sub, update_id: item.id, task_id: item.task_id, kept_at: keptAt,
        name: p.file.name || "billede", type: type, size: p.file.size, blob: p.file.slice(0, p.file.size, type),
      };
    });
    return keepPhotos(records).then(function () {
      item.photos = records.map(function (r) { return { key: r.key, name: r.name, type: r.type, size: r.size, kept_at: r.kept_at, id: null }; });
      return add(item);
    });
  }

  /** Start the timer on a task at the phone's time. */
  function queueTimerStart(start) {
    return add({ kind: "time_start", id: start.client_entry_id, task_id: start.task_id, started_at: start.started_at, label: start.label || "" });
  }

  /** Stop a running timer: a queued start becomes a finished period; a server entry gets a queued stop. */
  function queueTimerStop(stop) {
    var merged = false;
    update(function (state) {
      state.queue.forEach(function (item) {
        if (item.kind === "time_start" && stop.client_entry_id && item.id === stop.client_entry_id) {
          item.kind = "time_period";
          item.ended_at = stop.ended_at;
          merged = true;
        }
      });
    });
    if (merged) { flush(); return null; }
    return add({ kind: "time_stop", id: "stop-" + stop.entry_id + "-" + stop.ended_at, entry_id: stop.entry_id, task_id: stop.task_id, ended_at: stop.ended_at, label: stop.label || "" });
  }

  function pending(taskId) {
    return read().queue.filter(function (item) { return !taskId || item.task_id === taskId; });
  }

  function conflicts(taskId) {
    return read().conflicts.filter(function (c) { return !taskId || c.task_id === taskId; });
  }

  /* ---------------------------------------------------------------- sending */

  function remove(ids) {
    update(function (state) { state.queue = state.queue.filter(function (item) { return ids.indexOf(item.id) === -1; }); });
  }

  function problemText(problem) {
    var body = problem || {};
    var parts = [body.detail || body.title || "Serveren afviste ændringen."];
    (body.errors || []).forEach(function (e) { if (e && e.message && parts.indexOf(e.message) === -1) parts.push(e.message); });
    return parts.join(" ");
  }

  function conflict(item, text, photo) {
    var what = item.kind === "status" ? "Status ‘" + item.status_label + "’"
      : item.kind === "time_stop" ? "Stop af uret" : item.kind === "time_period" ? "Tidsregistrering" : "Start af uret";
    return {
      id: photo ? "c-photo-" + photo.key : "c-" + item.kind + "-" + item.id,
      task_id: item.task_id,
      label: item.label,
      what: photo ? "Billede til " + what.charAt(0).toLowerCase() + what.slice(1) : what,
      at: item.occurred_at || item.ended_at || item.started_at,
      text: text,
    };
  }

  /** Settle items the server answered: drop them (and their photos) from the queue, keep conflicts to show. */
  function settle(done) {
    var keys = [];
    update(function (state) {
      var ids = done.map(function (d) { return d.item.id; });
      state.queue = state.queue.filter(function (item) { return ids.indexOf(item.id) === -1; });
      var found = [];
      done.forEach(function (d) {
        if (d.text) found.push(conflict(d.item, d.text));
        (d.item.photos || []).forEach(function (photo) {
          keys.push(photo.key);
          if (photo.refused) found.push(conflict(d.item, photo.refused + " Statusen er sendt uden billedet.", photo));
        });
      });
      found.forEach(function (c) {
        if (state.conflicts.some(function (x) { return x.id === c.id; })) return;
        state.conflicts.push(c);
        refused += 1;
      });
    });
    return dropPhotos(keys);
  }

  /** Errors worth waiting out (no network, session, overload, server trouble) keep the queue as it is. */
  function retryLater(error) {
    var type = (error.problem && error.problem.type) || "";
    return isNetworkError(error) || error.status === 401 || error.status === 408 || error.status === 429 || error.status >= 500 || !error.status
      || /\/idempotency_key_in_flight$/.test(type);  // another tab is sending the same photo right now
  }

  /** Note what became of a waiting photo (its id, or the server's refusal) on the queued report. */
  function markPhoto(item, photo, change) {
    Object.assign(photo, change);
    update(function (state) {
      state.queue.forEach(function (q) {
        if (q.id !== item.id || q.kind !== item.kind) return;
        (q.photos || []).forEach(function (p) { if (p.key === photo.key) Object.assign(p, change); });
      });
    });
  }

  /** Upload the waiting photos of these reports, one at a time, each with its own key. */
  function uploadPhotos(batch) {
    var photos = [];
    batch.forEach(function (item) { (item.photos || []).forEach(function (p) { if (!p.id && !p.refused) photos.push([item, p]); }); });
    return photos.reduce(function (chain, pair) {
      var item = pair[0];
      var photo = pair[1];
      return chain.then(function () { return getPhoto(photo.key).catch(function () { return null; }); }).then(function (record) {
        if (!record) { markPhoto(item, photo, { refused: "Billedet findes ikke længere på telefonen." }); return null; }
        var body = new FormData();
        body.append("file", record.blob, record.name);
        return KK.api("/api/v1/photos", { method: "POST", body: body, idempotencyKey: photo.key }).then(function (answer) {
          markPhoto(item, photo, { id: answer.id });
        }, function (error) {
          if (retryLater(error)) throw error;
          markPhoto(item, photo, { refused: "Billedet blev afvist: " + problemText(error.problem || { detail: error.message }) });
        });
      });
    }, Promise.resolve());
  }

  function photoIds(item) {
    return (item.photo_ids || []).concat((item.photos || []).filter(function (p) { return p.id; }).map(function (p) { return p.id; }));
  }

  function sendStatuses(batch) {
    return uploadPhotos(batch).then(function () {
      return KK.api("/api/v1/sync/status-changes", {
        method: "POST",
        body: {
          status_changes: batch.map(function (item) {
            return { task_id: item.task_id, status: item.status, note: item.note, occurred_at: item.occurred_at, client_update_id: item.id, photo_ids: photoIds(item) };
          }),
        },
      });
    }).then(function (answer) {
      return settle(batch.map(function (item, index) {
        var result = answer.results[index] || {};
        var text = result.ok ? OUTCOMES[result.outcome] || null : problemText(result.problem);
        return { item: item, text: text };
      }));
    });
  }

  function sendTime(item) {
    var call;
    if (item.kind === "time_stop") {
      call = KK.api("/api/v1/time-entries/" + encodeURIComponent(item.entry_id) + "/stops", { method: "POST", body: { ended_at: item.ended_at } });
    } else {
      var body = { started_at: item.started_at, client_entry_id: item.id };
      if (item.kind === "time_period") body.ended_at = item.ended_at;
      call = KK.api("/api/v1/tasks/" + encodeURIComponent(item.task_id) + "/time-entries", { method: "POST", body: body });
    }
    return call.then(function () { return settle([{ item: item, text: null }]); });
  }

  function step(sent) {
    var queue = read().queue;
    if (!queue.length) return Promise.resolve(sent);
    var head = queue[0];
    var batch = [head];
    if (head.kind === "status") {
      batch = [];
      for (var i = 0; i < queue.length && queue[i].kind === "status" && batch.length < BATCH; i += 1) batch.push(queue[i]);
    }
    var call = head.kind === "status" ? sendStatuses(batch) : sendTime(head);
    return call.then(function () { return step(sent + batch.length); }, function (error) {
      if (retryLater(error)) return Promise.reject(error);
      return settle(batch.map(function (item) { return { item: item, text: problemText(error.problem || { detail: error.message }) }; }))
        .then(function () { return step(sent + batch.length); });
    });
  }

  /** Send what waits, in order. Resolves with the number of changes the server answered (0 if none). */
  function flush() {
    if (flushing) return flushing;
    if (!navigator.onLine || !read().queue.length || !KK.session.get()) return Promise.resolve(0);
    if (box) box.setAttribute("aria-busy", "true");
    refused = 0;
    flushing = step(0).then(function (sent) {
      if (sent) {
        KK.status((sent === 1 ? "1 ændring er sendt." : sent + " ændringer er sendt.")
          + (refused ? " Se beskeden om " + (refused === 1 ? "den, der ikke blev gennemført som ventet." : "dem, der ikke blev gennemført som ventet.") : ""));
        if (options.onSent) options.onSent(sent);
      }
      return sent;
    }, function () { return 0; }).then(function (sent) {
      flushing = null;
      if (box) box.removeAttribute("aria-busy");
      render();
      return sent;
    });
    return flushing;
  }

  /* ---------------------------------------------------------------- showing */

  function countText(n, photos) {
    var online = navigator.onLine;
    if (n > 0 && photos > 0) {
      return (n === 1 ? "1 ændring" : n + " ændringer") + " med " + (photos === 1 ? "1 billede" : photos + " billeder") + " venter på forbindelse."
        + (online ? " Sender …" : " " + (photos === 1 ? "Billedet" : "Billederne") + " sendes, når du er online igen.");
    }
    if (n > 0) {
      return (n === 1 ? "1 ændring venter på forbindelse." : n + " ændringer venter på forbindelse.")
        + (online ? " Sender …" : " De sendes af sig selv, når telefonen har forbindelse igen.");
    }
    return online ? "" : "Du er uden forbindelse. Statusændringer, billeder og tid gemmes på telefonen og sendes, når der er forbindelse igen.";
  }

  function render() {
    if (!box) return;
    var state = read();
    var n = state.queue.length;
    var photos = waitingPhotos(state.queue);
    var text = countText(n, photos);
    if (countNode.textContent !== text) countNode.textContent = text;
    countNode.setAttribute("data-vv-pending", String(n));
    countNode.setAttribute("data-vv-pending-photos", String(photos));
    box.classList.toggle("vv-offline--active", !!text);
    var shown = state.conflicts.filter(function (c) { return !options.taskId || c.task_id === options.taskId; });
    KK.clear(conflictsNode);
    conflictsNode.hidden = !shown.length;
    if (!shown.length) return;
    conflictsNode.appendChild(el("h2", { id: "vv-conflicts-heading", class: "vv-offline__heading" },
      shown.length === 1 ? "En ændring fra telefonen blev ikke gennemført som ventet" : shown.length + " ændringer fra telefonen blev ikke gennemført som ventet"));
    conflictsNode.appendChild(el("ul", { class: "vv-offline__conflicts" }, shown.map(function (c) {
      var dismiss = el("button", { type: "button", class: "button button--secondary button--small", "aria-label": "Fjern besked om " + c.what.toLowerCase() + (c.label ? " på " + c.label : "") }, "Fjern besked");
      dismiss.addEventListener("click", function () {
        update(function (s) { s.conflicts = s.conflicts.filter(function (x) { return x.id !== c.id; }); });
        KK.status("Beskeden er fjernet.");
        var heading = document.querySelector("h1");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
      });
      var where = options.taskId ? null : el("a", { href: "/opgaver/" + c.task_id }, c.label || "Opgaven");
      return el("li", { "data-vv-conflict": c.task_id },
        el("strong", null, c.what + (c.at ? " (" + VV.clockText(c.at) + ")" : "")),
        where ? [" – ", where] : null,
        el("span", { class: "vv-offline__text" }, c.text),
        dismiss);
    })));
  }

  function onChange(fn) { listeners.push(fn); }

  /* ---------------------------------------------------------------- pages that open offline */

  function sameOrigin(url) {
    try { return new URL(url, location.href).origin === location.origin; } catch (e) { return false; }
  }

  /** Register the service worker and put this page's shell and static files in its cache. */
  function prepare() {
    var done = function () { if (box) box.setAttribute("data-vv-offline-ready", "true"); };
    if (!("serviceWorker" in navigator) || !window.caches || !navigator.onLine) { done(); return Promise.resolve(); }
    var assets = KK.all("script[src], link[rel='stylesheet'][href], link[rel='icon'][href]").map(function (n) {
      return n.getAttribute("src") || n.getAttribute("href");
    }).filter(sameOrigin);
    return navigator.serviceWorker.register("/vv-offline-sw.js", { scope: "/" }).then(function () {
      // Active before the page counts as ready for offline use (at most a few seconds' wait).
      return Promise.race([navigator.serviceWorker.ready, new Promise(function (resolve) { window.setTimeout(resolve, 5000); })]);
    }).then(function () {
      return caches.open(CACHE);
    }).then(function (cache) {
      return Promise.all(assets.map(function (url) {
        return cache.match(url).then(function (hit) { return hit || cache.add(url); });
      }).concat([cache.add(location.pathname)]));
    }).catch(function () { /* no offline copy this time; the page still works online */ }).then(done);
  }

  /** Keep shells of other caretaker pages (e.g. today's tasks) so they open without coverage too. */
  function keepPages(paths) {
    if (!window.caches || !navigator.onLine) return Promise.resolve();
    return caches.open(CACHE).then(function (cache) {
      return paths.reduce(function (chain, path) {
        return chain.then(function () { return cache.add(path); }).catch(function () { /* next time */ });
      }, Promise.resolve());
    }).catch(function () {});
  }

  /**
   * Start on a page: options.container (the [data-vv-offline] element), options.taskId (show only this task's
   * conflicts), options.onSent(n) (the server has the changes: reload the page's data).
   */
  function init(pageUser, opts) {
    user = pageUser;
    options = opts || {};
    box = options.container;
    box.classList.add("vv-offline");
    countNode = el("p", { class: "vv-offline__count", role: "status", "aria-live": "polite", "data-vv-offline-count": "" });
    conflictsNode = el("section", { class: "vv-offline__box", "aria-labelledby": "vv-conflicts-heading", "data-vv-conflicts": "", hidden: "" });
    box.appendChild(countNode);
    box.appendChild(conflictsNode);
    render();
    window.addEventListener("online", function () { render(); flush(); });
    window.addEventListener("offline", render);
    window.addEventListener("storage", function (event) { if (event.key === storageKey()) { render(); listeners.forEach(function (fn) { fn(); }); } });
    window.setInterval(function () { if (read().queue.length) flush(); }, RETRY_MS);
    prepare();
    dropOrphans();
    return flush();
  }

  window.VV = window.VV || {};
  window.VV.offline = {
    init: init,
    flush: flush,
    shouldQueue: shouldQueue,
    isNetworkError: isNetworkError,
    queueStatus: queueStatus,
    queueTimerStart: queueTimerStart,
    queueTimerStop: queueTimerStop,
    pending: pending,
    conflicts: conflicts,
    onChange: onChange,
    snapshot: snapshot,
    keepPages: keepPages,
  };
})();
