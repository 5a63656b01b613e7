/* Gaohe Station Map, light rider page (/m): the service worker that keeps the page answering
 * with no network after a first visit. Written out by web/mobile.py with what to keep.
 * - the page (a copy without any position), its script, Leaflet, the icons and the register with
 *   its opening times and gazetteer (offline.json of the register's version) are kept;
 * - pages: network first; with no network the kept page, marked data-source="cache", which then
 *   answers from the kept register in the browser and says "离线 · 数据更新于 …";
 * - kept files: from the cache first;
 * - the API and the map tiles are never kept (an answer carries a position). */
'use strict';
var VERSION = __VERSION__;
var KEEP = __KEEP__;
var SHELL = __SHELL__;

function url(relative) { return new URL(relative, self.location.href).href; }

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(VERSION).then(function (cache) {
    return cache.addAll(KEEP.map(function (relative) { return new Request(url(relative), {cache: 'reload'}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf('gh-m-') === 0 && name !== VERSION; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keptPage(request) {
  var wanted = new URL(request.url).searchParams.get('lang') === 'en' ? url('../m?lang=en') : url('../m');
  return caches.open(VERSION).then(function (cache) {
    return cache.match(wanted).then(function (found) { return found || cache.match(url(SHELL)); });
  }).then(function (found) {
    if (!found) { return Response.error(); }
    return found.text().then(function (html) {
      return new Response(html.replace('data-source="server"', 'data-source="cache"'),
                          {headers: {'Content-Type': 'text/html; charset=utf-8'}});
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') { return; }
  var target = new URL(request.url);
  if (target.origin !== self.location.origin) { return; }  // tiles and links: the browser's business
  var base = new URL('../', self.location.href).pathname;  // the app's root (a base path is kept)
  var path = target.pathname.slice(base.length - 1);
  if (request.mode === 'navigate' && path === '/m') {
    event.respondWith(fetch(request).catch(function () { return keptPage(request); }));
    return;
  }
  if (path.indexOf('/m/static/') === 0 || path === '/m/offline.json' || path === '/m/manifest.webmanifest') {
    event.respondWith(caches.open(VERSION).then(function (cache) {
      return cache.match(request).then(function (found) {
        if (found) { return found; }
        return fetch(request).then(function (response) {
          if (response.ok && path === '/m/offline.json') {
            // a newer register than this worker was made for: keep it beside (it is the one pages ask for)
            cache.put(request, response.clone());
          }
          return response;
        }).catch(function () {
          if (path === '/m/offline.json') {  // another version kept? better than nothing
            return cache.keys().then(function (keys) {
              var kept = keys.filter(function (k) { return new URL(k.url).pathname === target.pathname; });
              return kept.length ? cache.match(kept[kept.length - 1]) : Response.error();
            });
          }
          return Response.error();
        });
      });
    }));
  }
});
