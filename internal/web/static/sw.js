// abri's service worker: it keeps the field screens a person opened, and
// their static files, so that they open with no network. Pages are asked
// of the network first (a few seconds at most) and kept only when the
// server marks them as field screens (X-Abri-Field); static files, whose
// addresses change with their content, come from the cache first. Nothing
// else is kept: no API answer, no other page, no command (those live in
// IndexedDB, see queue.js). A sign-out clears everything kept here.
'use strict';

var PAGES = 'abri-pages-v1';
var STATIC = 'abri-static-v1';
var NETWORK_WAIT = 4000;

self.addEventListener('install', function () { self.skipWaiting(); });

self.addEventListener('activate', function (ev) {
  ev.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf('abri-') === 0 && k !== PAGES && k !== STATIC;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('message', function (ev) {
  if (ev.data === 'clear') {
    ev.waitUntil(caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return caches.delete(k); }));
    }));
  }
});

function isPage(req) {
  return req.mode === 'navigate' || (req.headers.get('Accept') || '').indexOf('text/html') >= 0;
}

// fromNetwork fetches a page and keeps it when it is a field screen.
function fromNetwork(req) {
  return fetch(req).then(function (res) {
    if (res.ok && res.headers.get('X-Abri-Field') === '1' && !res.redirected) {
      var copy = res.clone();
      caches.open(PAGES).then(function (c) { return c.put(req.url, copy); });
    }
    return res;
  });
}

function page(req) {
  var net = fromNetwork(req);
  var timeout = new Promise(function (resolve) { setTimeout(resolve, NETWORK_WAIT); });
  var cached = function () {
    return caches.open(PAGES).then(function (c) { return c.match(req.url); });
  };
  // The network's answer if it comes in time; else the kept page, if any,
  // while the network goes on and refreshes it.
  return Promise.race([net.catch(function () { return null; }), timeout]).then(function (res) {
    if (res) return res;
    return cached().then(function (hit) { return hit || net; });
  }).catch(function () {
    return cached().then(function (hit) { return hit || Response.error(); });
  });
}

function asset(req) {
  return caches.open(STATIC).then(function (c) {
    return c.match(req).then(function (hit) {
      if (hit) return hit;
      return fetch(req).then(function (res) {
        if (res.ok) c.put(req, res.clone());
        return res;
      });
    });
  });
}

self.addEventListener('fetch', function (ev) {
  var req = ev.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf('/static/') === 0) {
    ev.respondWith(asset(req));
    return;
  }
  if (url.pathname.indexOf('/api/') === 0 || url.pathname === '/sw.js') return;
  if (isPage(req)) ev.respondWith(page(req));
});
