/* The offline verifier's service worker: keeps the page, its script and its styles, and
   serves them when there is no connection (network first, so that updates arrive at once).
   Only those addresses: every other page under /v/ goes to the network as usual. */
"use strict";

const CACHE = "certify-offline-v1";
const PAGE = "/v/offline";
const ASSETS = ["/static/js/offline-verify.js", "/static/vendor/jsqr/jsQR.js",
                "/static/css/certify.css", "/v/offline.webmanifest", "/static/icons/certify.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([PAGE, ...ASSETS]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE)
      .map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

function kept(url) {
  return url.origin === self.location.origin &&
    (url.pathname === PAGE || ASSETS.includes(url.pathname));
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !kept(url)) {
    return;
  }
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(event.request, copy));
    }
    return response;
  }).catch(() => caches.match(event.request, {ignoreSearch: url.pathname !== PAGE})
    .then((found) => found || caches.match(url.pathname === PAGE ? PAGE : event.request))));
});
