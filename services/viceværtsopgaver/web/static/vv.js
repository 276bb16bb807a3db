/*
 * vv.js – small helpers the viceværtsopgaver pages share (plain JavaScript on top of kk.js, no build step).
 *
 *   VV.statusTag(task), VV.priorityText(task)   status chip and priority text from the API's labels
 *   VV.blob(path) / VV.image(path, alt)         authenticated download of photos, documents, charts (bearer token)
 *   VV.download(path, filename)                 save a file the API serves (CSV, documents)
 *   VV.photos(input, preview)                   camera/file input: preview, checks and upload (POST /api/v1/photos)
 *   VV.orderForm(form, options)                 the order form used by the portal and the QR page
 *   VV.notifications(box, badge, heading)       in-portal messages with "Markér som læst"
 *   VV.poll(fn, ms)                             refresh while the page is visible ("live" lists)
 *   VV.km(a, b), VV.duration(minutes)           distance and Danish durations
 *
 * Every rule (who may do what, valid input, allowed status changes) lives in the API; the pages only show
 * the API's answers and put its Danish field messages next to the fields.
 */
(function () {
  "use strict";
  var el = KK.el;

  function capital(text) { return text ? text.charAt(0).toUpperCase() + text.slice(1) : ""; }

  /** The task's status as a chip with its Danish label from the API (the colour only repeats the text). */
  function statusTag(task) {
    return el("span", { class: "vv-status vv-status--" + task.status, "data-vv-status": task.status }, capital(task.status_label));
  }

  /** "Akut" / "Høj prioritet" for urgent tasks, else null. */
  function priorityText(task) {
    if (task.priority === "akut") return el("span", { class: "vv-priority" }, "Akut");
    if (task.priority === "hoej") return el("span", { class: "vv-priority" }, "Høj prioritet");
    return null;
  }

  /** GET a binary answer from the API with the bearer token (photos, documents, chart SVGs, CSV). */
  function blob(path) {
    var user = KK.session.get();
    if (!user) { KK.toLogin("Log ind for at fortsætte."); return Promise.reject(new KK.Problem(401, {})); }
    return fetch(new URL(path, location.origin).toString(), {
      headers: { Authorization: "Bearer " + user.token },
      credentials: "omit",
      redirect: "error",
    }).then(function (response) {
      if (response.ok) return response.blob();
      return response.json().catch(function () { return {}; }).then(function (problem) {
        if (response.status === 401) { KK.session.clear(); KK.toLogin("Din session er udløbet. Log ind igen."); }
        throw new KK.Problem(response.status, problem);
      });
    }, function () {
      throw new KK.Problem(0, { detail: "Der er ingen forbindelse til tjenesten. Tjek din forbindelse, og prøv igen." });
    });
  }

  /** An <img> whose picture is fetched with the token (an <img src> cannot send one). */
  function image(path, alt, attrs) {
    var img = el("img", Object.assign({ alt: alt, decoding: "async" }, attrs || {}));
    blob(path).then(function (data) { img.src = URL.createObjectURL(data); }, function () {
      img.alt = alt + " (kunne ikke hentes)";
    });
    return img;
  }

  /** Save a file the API serves under the given name. */
  function download(path, filename) {
    return blob(path).then(function (data) {
      var url = URL.createObjectURL(data);
      var link = el("a", { href: url, download: filename || "" });
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    });
  }

  /** Open a document the API serves in a new tab (a blob URL; the API's own CSP sandboxes it). */
  function openFile(path) {
    var tab = window.open("", "_blank");
    return blob(path).then(function (data) {
      var url = URL.createObjectURL(data);
      if (tab) tab.location.href = url; else location.assign(url);
    }, function (error) { if (tab) tab.close(); throw error; });
  }

  var PHOTO_TYPES = { "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP" };
  var MAX_PHOTO_BYTES = 10 * 1024 * 1024;  // the API's limit (common/files.py)

  /** The picture type by the file's first bytes (the name and the browser's guess can be wrong), or null. */
  function sniffPhoto(file) {
    var head = file.slice(0, 12);
    var read = head.arrayBuffer ? head.arrayBuffer() : new Response(head).arrayBuffer();
    return read.then(function (buffer) {
      var b = new Uint8Array(buffer);
      var text = function (from, to) { return String.fromCharCode.apply(null, Array.prototype.slice.call(b, from, to)); };
      if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
      if (b[0] === 0x89 && text(1, 4) === "PNG") return "image/png";
      if (text(0, 4) === "RIFF" && text(8, 12) === "WEBP") return "image/webp";
      return null;
    });
  }

  /**
   * The API's own size and type rules checked on the phone, for photos that cannot be sent now (the offline
   * queue): resolves with each file's type, or rejects with a KK.Problem naming each photo in Danish.
   */
  function checkPhotos(files) {
    return Promise.all(files.map(function (file, index) {
      var name = "Billede " + (index + 1) + " (" + file.name + "): ";
      if (!file.size) return Promise.resolve({ message: name + "Filen er tom." });
      if (file.size > MAX_PHOTO_BYTES) {
        return Promise.resolve({ message: name + "Billedet er for stort; det må højst fylde 10 MB. Tag billedet igen med lavere opløsning." });
      }
      return sniffPhoto(file).then(function (type) {
        return type ? { type: type } : { message: name + "Filen er ikke et billede. Billedet skal være JPEG, PNG eller WebP." };
      });
    })).then(function (results) {
      var bad = results.filter(function (r) { return r.message; });
      if (!bad.length) return results.map(function (r) { return r.type; });
      throw new KK.Problem(422, {
        detail: bad.length === 1 ? "Billedet kan ikke gemmes til senere." : "Billederne kan ikke gemmes til senere.",
        errors: bad.map(function (r) { return { field: "/photo_ids", code: "photo_refused", message: r.message }; }),
      });
    });
  }

  /**
   * A camera/file input: shows the chosen pictures and uploads them once (POST /api/v1/photos, one request each).
   * upload() resolves with the photo ids; an upload error is reported on the input's own field (/photo_ids).
   * Each chosen file has an Idempotency-Key made when it was chosen (keys()), so a resend after a lost answer –
   * also from the offline queue – gives the photo the server already has instead of a second one.
   */
  function photos(input, preview) {
    var uploaded = null;  // {files: FileList, ids: [...]} for the current choice, so a retry does not upload twice
    var keys = [];
    function chosen() { return Array.prototype.slice.call(input.files || []); }
    function keysFor() {
      while (keys.length < chosen().length) keys.push(KK.idempotencyKey());
      return keys.slice(0, chosen().length);
    }
    input.addEventListener("change", function () {
      uploaded = null;
      keys = [];
      if (!preview) return;
      KK.clear(preview);
      Array.prototype.forEach.call(input.files || [], function (file, index) {
        preview.appendChild(el("li", null, el("img", { src: URL.createObjectURL(file), alt: "Valgt billede " + (index + 1) + ": " + file.name })));
      });
    });
    return {
      files: chosen,
      keys: keysFor,
      check: function () { return checkPhotos(chosen()); },
      upload: function () {
        var files = chosen();
        if (!files.length) return Promise.resolve([]);
        if (uploaded && uploaded.files === input.files) return Promise.resolve(uploaded.ids);
        var fileKeys = keysFor();
        var ids = [];
        return files.reduce(function (chain, file, index) {
          return chain.then(function () {
            var body = new FormData();
            body.append("file", file, file.name);
            return KK.api("/api/v1/photos", { method: "POST", body: body, idempotencyKey: fileKeys[index] }).then(function (photo) { ids.push(photo.id); }, function (error) {
              if (error instanceof KK.Problem) {
                var name = "Billede " + (index + 1) + " (" + file.name + "): ";
                error.errors = (error.errors.length ? error.errors : [{ message: error.message }]).map(function (e) {
                  return { field: "/photo_ids", code: e.code, message: name + e.message };
                });
              }
              throw error;
            });
          });
        }, Promise.resolve()).then(function () {
          uploaded = { files: input.files, ids: ids };
          return ids;
        });
      },
      reset: function () { uploaded = null; keys = []; input.value = ""; if (preview) KK.clear(preview); },
    };
  }

  /**
   * The order form of the portal and the QR page. options.place() returns the location part of the body
   * ({building_id, room_id, component_id} or {qr_scan_id}); options.done(task, created) runs after the order.
   * One Idempotency-Key per intended order, kept for retries and renewed after success.
   */
  function orderForm(form, options) {
    var key = KK.idempotencyKey();
    var camera = photos(form.querySelector("[data-vv-photos]"), form.querySelector("[data-vv-preview]"));
    KK.form.bind(form, function (data) {
      return camera.upload().then(function (photoIds) {
        var body = Object.assign({}, data.body, options.place(data.body), { photo_ids: photoIds });
        return KK.api("/api/v1/tasks", { method: "POST", body: body, idempotencyKey: key, full: true });
      }).then(function (answer) {
        key = KK.idempotencyKey();
        camera.reset();
        options.done(answer.data, answer.status === 201);
      });
    });
    return {
      fillTaskTypes: function (types) {
        var select = form.querySelector("[name=task_type_id]");
        types.forEach(function (t) { select.appendChild(el("option", { value: t.id }, t.name)); });
      },
    };
  }

  /** Load the task types into an order form (the API's active types). */
  function loadTaskTypes(order) {
    return KK.api("/api/v1/task-types").then(function (types) { order.fillTaskTypes(types); return types; });
  }

  /**
   * The in-portal messages (GET /api/v1/me/notifications) in `box`, the unread count in `badge`, and
   * "Markér som læst" (POST /notifications/{id}/reads); focus goes to `heading` after marking.
   */
  function notifications(box, badge, heading) {
    heading.setAttribute("tabindex", "-1");
    function render(items) {
      KK.clear(box);
      var unread = items.filter(function (n) { return !n.read_at; }).length;
      badge.hidden = unread === 0;
      badge.textContent = unread === 1 ? "1 ulæst" : unread + " ulæste";
      if (!items.length) { box.appendChild(el("p", { class: "empty" }, "Du har ingen beskeder.")); return; }
      box.appendChild(el("ul", { class: "vv-notes" }, items.map(function (n) {
        var read = el("button", { type: "button", class: "button button--secondary button--small", "data-vv-read": n.id }, "Markér som læst");
        read.addEventListener("click", function () {
          read.disabled = true;
          KK.api("/api/v1/notifications/" + n.id + "/reads", { method: "POST" }).then(function () {
            KK.status("Beskeden er markeret som læst.");
            return load();
          }).then(function () { heading.focus(); }).catch(function (e) { read.disabled = false; KK.alert(e.message); });
        });
        return el("li", { class: n.read_at ? "" : "vv-unread", "data-notification-id": n.id },
          el("span", { class: "vv-notes__title" }, (n.read_at ? "" : "Ny: ") + n.title),
          el("span", { class: "vv-notes__when" }, KK.format.dateTime(n.created_at)),
          el("p", null, n.body),
          n.task_id ? el("a", { href: "/opgaver/" + n.task_id }, "Se opgaven") : null,
          n.read_at ? null : el("p", { class: "vv-card__actions" }, read));
      })));
    }
    function load() {
      return KK.api("/api/v1/me/notifications", { query: { limit: 10 } }).then(function (page) { render(page.items); });
    }
    return { load: load };
  }

  /** Call fn now and every `ms` while the page is visible; returns a function that runs it at once. */
  function poll(fn, ms) {
    var timer = null;
    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (document.visibilityState === "visible") Promise.resolve(fn()).catch(function () { /* shown by fn */ }).then(schedule);
        else schedule();
      }, ms);
    }
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { fn(); schedule(); } });
    schedule();
    return function () { var result = fn(); schedule(); return result; };
  }

  /** Great-circle distance in km between two {latitude, longitude}. */
  function km(a, b) {
    var rad = Math.PI / 180;
    var dLat = (b.latitude - a.latitude) * rad;
    var dLon = (b.longitude - a.longitude) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 12742 * Math.asin(Math.sqrt(h));
  }

  var decimal = new Intl.NumberFormat("da-DK", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var clock = new Intl.DateTimeFormat("da-DK", { timeZone: "Europe/Copenhagen", hour: "2-digit", minute: "2-digit" });

  /** "1,2 km" */
  function kmText(value) { return decimal.format(value) + " km"; }

  /** "1 t 5 min" / "25 min" from minutes. */
  function duration(minutes) {
    var total = Math.max(0, Math.round(minutes || 0));
    var hours = Math.floor(total / 60);
    var rest = total % 60;
    if (!hours) return rest + " min";
    return hours + " t" + (rest ? " " + rest + " min" : "");
  }

  /** "kl. 09.30" in Copenhagen time. */
  function clockText(iso) { return iso ? "kl. " + clock.format(new Date(iso)) : ""; }

  /** "Opdateret kl. 10.05" into a node. */
  function stamp(node) { if (node) node.textContent = "Opdateret " + clockText(new Date().toISOString()) + "."; }

  window.VV = {
    capital: capital,
    statusTag: statusTag,
    priorityText: priorityText,
    blob: blob,
    image: image,
    download: download,
    openFile: openFile,
    photos: photos,
    checkPhotos: checkPhotos,
    orderForm: orderForm,
    notifications: notifications,
    loadTaskTypes: loadTaskTypes,
    poll: poll,
    km: km,
    kmText: kmText,
    duration: duration,
    clockText: clockText,
    stamp: stamp,
  };
})();
