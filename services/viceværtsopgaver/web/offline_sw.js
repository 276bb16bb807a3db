/*
 * Service worker for the caretaker's pages (served at /vv-offline-sw.js, scope "/"): lets "Min dag" and a task
 * page that were opened with coverage open again without it (a caretaker reloading in a basement).
 *
 * It keeps only the HTML shells (no personal data: docs/web.md) and their static files. The pages put them in
 * the cache themselves (offline.js), because the first load happens before this worker controls the page.
 * - navigation to /min-dag or /opgaver/<id>: the network first; without an answer the cached shell;
 * - /static/...: the cache first (the addresses carry a content hash), else the network;
 * - everything else (the API): not touched; the page's own queue handles a missing network.
 */
"use strict";

var CACHE = "vv-offline-v1";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("vv-offline-") === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function isShell(url) {
  return url.pathname === "/min-dag" || /^\/opgaver\/[0-9a-fA-F-]{36}$/.test(url.pathname);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isShell(url)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(url.pathname, copy); });
      }
      return response;
    }, function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(url.pathname); }).then(function (cached) {
        return cached || Response.error();
      });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (cached) { return cached || fetch(request); });
    }));
  }
});
