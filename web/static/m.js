/* Gaohe Station Map, light rider page (/m): the page itself. The answer is already in the HTML;
 * this script adds the map, 定位, taps, search, filters, one-tap feedback and the offline answer.
 * Register text (names, addresses) is set with textContent only. */
(function () {
  'use strict';
  var GH = window.GH, doc = document;
  var cfg = JSON.parse(doc.getElementById('gh-data').textContent);
  var s = cfg.strings, offline = doc.body.getAttribute('data-source') === 'cache';
  var query = GH.parseQuery(location.search, cfg.vocabulary);
  var answer = cfg.answer, data = null, dataWaiters = [], map = null, layers = {}, mapReady = [];
  var navApp = cfg.nav_app;

  function $(id) { return doc.getElementById(id); }
  function el(tag, attrs, children) {
    var node = doc.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === 'text') { node.textContent = attrs.text; } else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }
  function say(text, kind) {
    var box = $('status');
    box.textContent = text || '';
    box.className = 'status' + (kind ? ' ' + kind : '');
  }

  // --- the cached register (offline.json), loaded once ------------------------------------------
  function withData(callback) {
    if (data) { callback(data); return; }
    dataWaiters.push(callback);
    if (dataWaiters.length > 1) { return; }
    fetch(cfg.offline_url).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (loaded) {
        data = loaded;
        var waiting = dataWaiters; dataWaiters = [];
        waiting.forEach(function (cb) { cb(data); });
      }).catch(function () { dataWaiters = []; say(s.m_answer_failed, 'warn'); });
  }

  function context() {
    var communities = {}, hoursText = {};
    Object.keys(data.communities).forEach(function (code) { communities[code] = data.communities[code][cfg.lang]; });
    Object.keys(data.hours).forEach(function (e) { hoursText[e] = data.hours[e].text[cfg.lang]; });
    return {lang: cfg.lang, s: s, moment: answer ? answer.moment : GH.now(cfg.clock_fixed), navApp: navApp,
            origin: query.at, communities: communities, hoursText: hoursText, amenityInfo: cfg.amenity_info,
            typeLabels: cfg.type_labels, riderAmenities: cfg.vocabulary.amenities};
  }
  function recordOf(id) {
    for (var i = 0; i < data.stations.length; i++) { if (data.stations[i].id === id) { return data.stations[i]; } }
    return null;
  }

  // --- rendering (the same structure as web/templates/m.html) -------------------------------------
  function card(c) {
    var more = el('details', {'class': 'more'}, [el('summary', {text: s.more})]);
    if (c.unverified_note) { more.appendChild(el('p', {'class': 'warn', text: '⚠️ ' + c.unverified_note})); }
    c.other_navs.forEach(function (o) {
      more.appendChild(el('a', {'class': 'btn', href: o.href, rel: 'noreferrer noopener', target: '_blank',
                                text: o.label}));
    });
    more.appendChild(el('p', {'class': 'small', text: s.baidu_sends_origin}));
    var details = el('p', {'class': 'details'}, [el('b', {text: s.details})]);
    c.details.forEach(function (line) { details.appendChild(el('br')); details.appendChild(doc.createTextNode(line)); });
    more.appendChild(details);
    var coords = el('p', {'class': 'coords'});
    c.coordinates.forEach(function (line, i) {
      if (i) { coords.appendChild(el('br')); }
      coords.appendChild(doc.createTextNode(line));
    });
    more.appendChild(coords);
    return el('article', {'class': 'card', 'data-id': c.id}, [
      el('h3', {'class': 'card-title'}, [
        doc.createTextNode(GH.fill(s.m_card_title, {rank: c.rank, name: c.name}) + ' '),
        el('span', {'class': 'badge t-' + c.type, text: c.type_label})]),
      el('p', {'class': 'trip', text: c.trip}),
      el('p', {'class': 'state'}, [el('span', {'aria-hidden': 'true', text: c.state_icon}),
        doc.createTextNode(' ' + c.state_text + ' '),
        c.icons ? el('span', {'class': 'icons', title: c.icons_label, 'aria-label': c.icons_label, text: c.icons}) : null]),
      el('div', {'class': 'actions'}, [
        el('a', {'class': 'btn primary nav', href: c.nav.href, title: c.nav.title, rel: 'noreferrer noopener',
                 target: '_blank', text: c.nav.label}),
        el('a', {'class': 'btn fb', href: c.feedback_href, text: s.feedback})]),
      more]);
  }

  function renderStation(record) {
    var m = GH.stationModel(record, GH.openingAt(data, record.opening_hours, GH.now(cfg.clock_fixed)), context());
    var navs = el('div', {'class': 'actions'});
    m.navs.forEach(function (nav, i) {
      navs.appendChild(el('a', {'class': i ? 'btn' : 'btn primary nav', href: nav.href, rel: 'noreferrer noopener',
                                target: '_blank', text: nav.label}));
    });
    var details = el('p', {'class': 'details'}, [el('b', {text: s.details})]);
    m.details.forEach(function (line) { details.appendChild(el('br')); details.appendChild(doc.createTextNode(line)); });
    var coords = el('p', {'class': 'coords'});
    m.coordinates.forEach(function (line, i) { if (i) { coords.appendChild(el('br')); } coords.appendChild(doc.createTextNode(line)); });
    var buttons = el('div', {id: 'fb-buttons'});
    m.feedback_kinds.forEach(function (item) {
      buttons.appendChild(el('button', {type: 'button', 'class': 'btn', 'data-kind': item.kind, text: item.label}));
    });
    var which = el('div', {id: 'fb-amenities'}, [el('p', {'class': 'small', text: s.m_fb_which_amenity})]);
    which.hidden = true;
    m.feedback_amenities.forEach(function (item) {
      which.appendChild(el('button', {type: 'button', 'class': 'btn', 'data-kind': 'missing_amenity',
                                      'data-amenity': item.amenity, text: item.label}));
    });
    buttons.appendChild(which);
    var section = el('section', {id: 'station', 'class': 'station', 'data-id': m.id}, [
      el('h2', {'class': 'card-title'}, [doc.createTextNode(m.name + ' '),
        el('span', {'class': 'badge t-' + m.type, text: m.type_label})]),
      el('p', {'class': 'small', text: m.other_name + ' · ' + m.id}),
      el('p', {'class': 'state'}, [el('span', {'aria-hidden': 'true', text: m.state_icon}),
        doc.createTextNode(' ' + m.state_text)]),
      m.unverified_note ? el('p', {'class': 'warn', text: '⚠️ ' + m.unverified_note}) : null,
      navs,
      el('p', {'class': 'small', text: s.baidu_sends_origin}),
      details, coords,
      el('p', {}, [el('a', {'class': 'btn', href: m.nearby_href, text: s.m_nearby_here})]),
      el('div', {id: 'fb'}, [el('p', {}, [el('b', {text: s.m_fb_title})]), buttons,
        el('div', {id: 'fb-form'}, [el('label', {}, [el('input', {type: 'checkbox', id: 'fb-here'}),
                                                     doc.createTextNode(' ' + s.m_fb_here)]),
          el('textarea', {maxlength: '500', placeholder: s.m_fb_note, 'aria-label': s.m_fb_note})]),
        el('p', {'class': 'small', text: s.m_fb_privacy}),
        el('div', {id: 'fb-result', role: 'status', 'aria-live': 'polite'})])]);
    var old = $('station');
    if (old) { old.parentNode.replaceChild(section, old); } else { $('answer').parentNode.insertBefore(section, $('answer')); }
    $('answer').hidden = true;
    buttons.addEventListener('click', feedback);
    cfg.station = record;
  }

  function renderAnswer() {
    var box = $('answer'), ctx = context();
    box.textContent = '';
    if (!answer) { box.appendChild(el('p', {'class': 'hint', text: cfg.no_position_text})); return; }
    var outside = GH.outsideTownM(data.town_extent, answer.position.lon, answer.position.lat);
    if (outside > data.town_extent.margin_m) {
      box.appendChild(el('div', {'class': 'box warn', role: 'alert',
                                 text: GH.fill(s.outside_town, {km: outside / 1000})}));
    }
    var message = GH.answerMessages(answer, ctx);
    if (message.lines.length) {
      var alert = el('div', {'class': 'box ' + (message.night ? 'night' : 'warn'), role: 'alert'});
      message.lines.forEach(function (line, i) { if (i) { alert.appendChild(el('br')); } alert.appendChild(doc.createTextNode(line)); });
      box.appendChild(alert);
    }
    GH.shownRows(answer).forEach(function (row) { box.appendChild(card(GH.cardModel(row, recordOf(row.id), ctx))); });
    var where = $('where-now');
    if (where) { where.textContent = GH.fill(s.your_position, {lon: answer.position.lon, lat: answer.position.lat}); }
  }

  // --- getting an answer: the server, else the cached register ---------------------------------------
  function showOffline() {
    var synced = localStorage.getItem('gh_synced') || (data && data.made_at) || '';
    say(GH.fill(s.m_offline, {time: synced ? synced.slice(5, 16).replace('T', ' ') : '?'}), 'offline');
    doc.body.classList.add('is-offline');
  }
  function answerOffline() {
    answer = GH.offlineAnswer(data, query, query.at[0], query.at[1], GH.now(cfg.clock_fixed));
    offline = true;
    showOffline();
    renderAnswer();
    drawAnswer();
  }
  function ask() {
    if (!query.at) { return; }
    withData(function () {
      if (offline || navigator.onLine === false) { answerOffline(); return; }
      var params = 'lon=' + query.at[0] + '&lat=' + query.at[1] + '&mode=' + query.mode + '&k=' + query.k +
        '&open_now=' + (query.open_now ? 'true' : 'false') + '&lang=' + cfg.lang +
        query.amenities.map(function (a) { return '&amenity=' + a; }).join('');
      fetch(cfg.api + 'rider?' + params).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      }).then(function (payload) {
        answer = payload;
        if (!$('status').classList.contains('told')) { say(''); }
        renderAnswer();
        drawAnswer();
      }).catch(answerOffline);
    });
  }
  function setQuery(changes, placeName) {
    Object.keys(changes).forEach(function (name) { query[name] = changes[name]; });
    query.station = null;
    history.replaceState(null, '', GH.pageUrl(query));
    if (placeName) { say(GH.fill(s.place_set, {name: placeName}), 'told ok'); } else if (!offline) { say(''); }
    if ($('station')) { $('station').hidden = true; $('answer').hidden = false; }
    ask();
  }

  // --- the map -------------------------------------------------------------------------------------
  function toMap(lon, lat) { return cfg.datum === 'gcj02' ? GH.wgs84ToGcj02(lon, lat) : [lon, lat]; }
  function fromMap(lon, lat) { return cfg.datum === 'gcj02' ? GH.gcj02ToWgs84(lon, lat) : [lon, lat]; }
  function icon(type, label, text, classes, size, verified) {
    if (verified) { classes += ' verified'; }
    var node = el('div', {'class': 'gh-marker t-' + type + ' ' + classes, role: 'img', 'aria-label': label,
                          text: text});
    return L.divIcon({html: node, className: 'gh-icon', iconSize: [size, size], iconAnchor: [size / 2, size / 2]});
  }
  function nameLabel(record) {
    return GH.nameIn(record, cfg.lang) + (record.location_status === 'verified' ? '' : ' (' + s.status_unverified + ')');
  }
  var dotsDrawing = 0;
  /** The other stations of the mode as small dots, a dozen per task (no long task on a slow phone). */
  function drawDots(done) {
    if (!map || !data || !layers.dots) { return; }
    var token = ++dotsDrawing, types = query.mode === 'parking' ? ['parking'] : ['hub', 'party_mass', 'red', 'neighbourhood'];
    var shown = {};
    if (answer) { GH.shownRows(answer).forEach(function (row) { shown[row.id] = true; }); }
    var records = data.stations.filter(function (r) { return types.indexOf(r.station_type) >= 0 && !shown[r.id]; });
    layers.dots.clearLayers();
    var next = 0;
    (function chunk() {
      if (token !== dotsDrawing) { return; }
      for (var end = Math.min(next + 12, records.length); next < end; next++) {
        var record = records[next], p = toMap(record.lon, record.lat);
        var marker = L.marker([p[1], p[0]], {icon: icon(record.station_type, nameLabel(record), '', 'gh-dot', 16,
                                                                record.location_status === 'verified'), keyboard: false});
        marker.bindPopup(el('div', {'class': 'pop'}, [el('b', {text: GH.nameIn(record, cfg.lang)}), el('br'),
          el('a', {href: GH.pageUrl({station: record.id, lang: cfg.lang}), text: s.details})]));
        layers.dots.addLayer(marker);
      }
      if (next < records.length) { setTimeout(chunk, 0); } else if (done) { done(); }
    })();
  }
  /** Where the map looks: the rider and the answer, or the station, or the town. */
  function fitView() {
    var points = [];
    if (answer) {
      var here = toMap(answer.position.lon, answer.position.lat);
      points.push([here[1], here[0]]);
      GH.shownRows(answer).forEach(function (row) { var p = toMap(row.lon, row.lat); points.push([p[1], p[0]]); });
    } else if (cfg.station) {
      var st = toMap(cfg.station.lon, cfg.station.lat);
      points.push([st[1], st[0]]);
    }
    if (points.length > 1) {
      map.fitBounds(points, {padding: [36, 36], maxZoom: 17, animate: false});
    } else if (points.length === 1) {
      map.setView(points[0], 16, {animate: false});
    } else {
      var centre = toMap(cfg.centre[0], cfg.centre[1]);
      map.setView([centre[1], centre[0]], 14, {animate: false});
    }
  }
  /** The answer on the map: the rider, numbered results and a line to each (or the station). */
  function drawMarkers() {
    layers.answer.clearLayers();
    if (answer) {
      var here = toMap(answer.position.lon, answer.position.lat);
      GH.shownRows(answer).forEach(function (row) {
        var p = toMap(row.lon, row.lat), record = (data && recordOf(row.id)) || row;
        L.polyline([[here[1], here[0]], [p[1], p[0]]], {color: '#1a73e8', weight: 3, opacity: 0.7, dashArray: '6 6',
                                                        interactive: false}).addTo(layers.answer);
        var marker = L.marker([p[1], p[0]], {icon: icon(row.station_type, row.rank + '. ' + nameLabel(record),
                                                        String(row.rank), 'gh-rank', 28,
                                                        row.location_status === 'verified'), zIndexOffset: 500});
        marker.on('click', function () {
          var target = doc.querySelector('.card[data-id="' + row.id.replace(/[^A-Za-z0-9_.-]/g, '') + '"]');
          if (target) { target.scrollIntoView({block: 'nearest', behavior: 'smooth'}); target.classList.add('hit'); }
        });
        layers.answer.addLayer(marker);
      });
      L.marker([here[1], here[0]], {icon: L.divIcon({html: el('div', {'class': 'gh-rider', role: 'img',
        'aria-label': s.you_are_here}), className: 'gh-icon', iconSize: [24, 24], iconAnchor: [12, 12]}),
        zIndexOffset: 1000, keyboard: false}).addTo(layers.answer);
    } else if (cfg.station) {
      var st = toMap(cfg.station.lon, cfg.station.lat);
      L.marker([st[1], st[0]], {icon: icon(cfg.station.station_type, nameLabel(cfg.station),
                                           GH.GLYPHS[cfg.station.station_type], 'gh-rank', 28,
                                           cfg.station.location_status === 'verified')}).addTo(layers.answer);
    }
  }
  function drawAnswer() {
    if (!map || !layers.answer) { return; }  // not built yet: addLayers draws the answer
    fitView();
    drawMarkers();
    drawDots();
  }
  function tilesNotice(layer) {
    var notice = el('div', {'class': 'tiles-failed', role: 'status', text: s.m_tiles_failed});
    notice.hidden = true;
    map.getContainer().appendChild(notice);  // under the map's panes: it covers no marker and takes no tap
    var loaded = 0, failed = 0;
    layer.on('loading', function () { loaded = 0; failed = 0; });
    layer.on('tileload', function () { loaded += 1; notice.hidden = true; });
    layer.on('tileerror', function () { failed += 1; notice.hidden = loaded > 0; });
  }
  function startMap() {
    // in three tasks (map, tiles, markers): none long enough to hold up a tap on a slow phone
    map = L.map('map', {zoomControl: true, maxZoom: 19, attributionControl: true});
    window.ghMap = map;
    fitView();  // before any tile layer: only the tiles of the answer's view are fetched
    setTimeout(addLayers, 0);
  }
  function addLayers() {
    cfg.layers.forEach(function (spec, i) {
      var layer = L.tileLayer(spec.url, {subdomains: spec.subdomains || 'abc', maxNativeZoom: spec.max_native_zoom,
                                         maxZoom: 19, attribution: spec.attribution});
      layer.addTo(map);
      if (i === 0) { tilesNotice(layer); }
    });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    L.control.scale({imperial: false}).addTo(map);
    layers.dots = L.layerGroup().addTo(map);
    layers.answer = L.layerGroup().addTo(map);
    map.on('click', function (event) {
      var p = fromMap(event.latlng.lng, event.latlng.lat);
      setQuery({at: [p[0], p[1]]});
    });
    setTimeout(function () {
      fitView();  // the answer may have changed meanwhile (offline: answered from the kept register)
      drawMarkers();
      withData(function () {
        fitView();
        drawMarkers();
        drawDots(function () { doc.body.classList.add('map-ready'); });
      });
    }, 0);
  }
  function loadLeaflet() {
    // the map is built once Leaflet's script and its styles are both here: controls drawn before
    // the styles would jump into place (a layout shift)
    var waiting = 2;
    function arrived() { waiting -= 1; if (waiting === 0) { startMap(); } }
    var css = el('link', {rel: 'stylesheet', href: cfg.leaflet_css});
    css.onload = arrived;
    css.onerror = arrived;
    doc.head.appendChild(css);
    var script = el('script', {src: cfg.leaflet_js});
    script.onload = arrived;
    doc.head.appendChild(script);
  }

  // --- where the rider is: 定位, search --------------------------------------------------------------
  function locate() {
    var instead = s.position_instead_rider;
    if (!window.isSecureContext) { say(GH.fill(s.position_insecure, {instead: instead}), 'warn'); return; }
    if (!navigator.geolocation) { say(GH.fill(s.position_unsupported, {instead: instead}), 'warn'); return; }
    say(s.m_locating);
    navigator.geolocation.getCurrentPosition(function (position) {
      say('');
      setQuery({at: [position.coords.longitude, position.coords.latitude]});
    }, function (error) {
      var key = {1: 'position_denied', 2: 'position_unavailable', 3: 'position_timeout'}[error.code] || 'position_unavailable';
      say(GH.fill(s[key], {instead: instead}), 'warn');
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 30000});
  }
  function showPlaces(found, text, offlineSearch) {
    var box = $('places');
    box.textContent = '';
    if (!found.length) { box.appendChild(el('p', {'class': 'box warn', text: GH.fill(s.place_not_found, {query: text})})); return; }
    box.appendChild(el('p', {'class': 'small', text: offlineSearch ? s.m_offline_search : s.place_pick}));
    found.slice(0, 4).forEach(function (place) {
      var name = GH.nameIn(place, cfg.lang);
      if (place.lon === null) {
        box.appendChild(el('span', {'class': 'btn place off', text: GH.fill(s.place_no_position, {name: name})}));
        return;
      }
      var button = el('button', {type: 'button', 'class': 'btn place', text: name, title: place['note_' + cfg.lang] || ''});
      button.addEventListener('click', function () { box.textContent = ''; setQuery({at: [place.lon, place.lat]}, name); });
      box.appendChild(button);
    });
  }
  function search(event) {
    event.preventDefault();
    var text = $('q').value.trim();
    if (!text) { return; }
    function locally() { withData(function () { showPlaces(GH.searchPlaces(data.places, text, 5), text, true); }); }
    if (offline || navigator.onLine === false) { locally(); return; }
    fetch(cfg.api + 'places?q=' + encodeURIComponent(text) + '&lang=' + cfg.lang).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (payload) { showPlaces(payload.places, text, false); }).catch(locally);
  }

  // --- filters and the navigation app ----------------------------------------------------------------
  function applyFilters(event) {
    event.preventDefault();
    var form = event.target, amenities = [];
    Array.prototype.forEach.call(form.querySelectorAll('input[name=amenity]:checked'), function (box) {
      amenities.push(box.value);
    });
    var k = form.querySelector('input[name=k]:checked');
    var chosenApp = form.querySelector('input[name=app]:checked');
    if (chosenApp && chosenApp.value !== navApp) {
      navApp = chosenApp.value;
      doc.cookie = 'gaohe_nav=' + navApp + '; Max-Age=' + 400 * 86400 + '; Path=/; SameSite=Lax';
    }
    $('filters').open = false;
    setQuery({amenities: query.mode === 'rest' ? amenities : [], open_now: !form.querySelector('input[name=hours]').checked,
              k: k ? Number(k.value) : 3});
    if (!query.at) { withData(function () { renderAnswer(); }); }
  }
  function switchMode(event) {
    var link = event.target.closest('a[data-mode]');
    if (!link) { return; }
    event.preventDefault();
    Array.prototype.forEach.call(doc.querySelectorAll('a[data-mode]'), function (a) {
      a.setAttribute('aria-current', a === link ? 'page' : 'false');
    });
    $('amenity-filters').hidden = link.getAttribute('data-mode') !== 'rest';
    var changes = {mode: link.getAttribute('data-mode'), amenities: []};
    if (!query.at && cfg.station) { changes.at = [cfg.station.lon, cfg.station.lat]; }
    setQuery(changes);
    if (!query.at) { withData(drawAnswer); }
  }

  // --- one-tap feedback (station page) -----------------------------------------------------------------
  var QUEUE = 'gh_feedback_queue';
  function queued() { try { return JSON.parse(localStorage.getItem(QUEUE) || '[]'); } catch (e) { return []; } }
  function send(body) {
    return fetch(cfg.api + 'feedback?lang=' + cfg.lang, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                          body: JSON.stringify(body), credentials: 'same-origin'})
      .then(function (r) { return r.json().then(function (payload) { return {status: r.status, payload: payload}; }); });
  }
  function flushQueue() {
    var waiting = queued();
    if (!waiting.length || navigator.onLine === false) { return; }
    localStorage.setItem(QUEUE, '[]');
    waiting.forEach(function (body) {
      send(body).then(function (result) {
        if (result.payload.reference) { say(GH.fill(s.m_fb_queued_sent, {code: result.payload.reference}), 'told ok'); }
      }).catch(function () { localStorage.setItem(QUEUE, JSON.stringify(queued().concat([body]))); });
    });
  }
  function feedback(event) {
    var button = event.target.closest('button[data-kind]');
    if (!button) { return; }
    var form = $('fb-form'), kind = button.getAttribute('data-kind'), result = $('fb-result');
    if (kind === 'missing_amenity' && !button.hasAttribute('data-amenity')) {
      $('fb-amenities').hidden = false;
      return;
    }
    var body = {station: cfg.station.id, kind: kind, submission_key: 'm' + Date.now().toString(36) +
                Math.random().toString(36).slice(2, 10)};
    if (button.hasAttribute('data-amenity')) { body.amenity = button.getAttribute('data-amenity'); }
    var note = form.querySelector('textarea').value.trim();
    if (note) { body.note = note; }
    function finish(here) {
      if (here) { body.lon = here[0]; body.lat = here[1]; }
      if (offline || navigator.onLine === false) {
        localStorage.setItem(QUEUE, JSON.stringify(queued().concat([body])));
        result.className = 'box warn';
        result.textContent = s.m_fb_queued;
        return;
      }
      result.className = 'box';
      result.textContent = s.m_fb_sending;
      send(body).then(function (r) {
        if (r.payload.reference) {
          result.className = 'box ok';
          result.textContent = GH.fill(s.m_fb_sent, {code: r.payload.reference}) + ' ';
          result.appendChild(el('a', {href: r.payload.status_url, text: cfg.fb_status_text}));
        } else {
          var reason = Array.isArray(r.payload.detail) ? r.payload.detail.map(function (d) { return d.msg; }).join(' ')
            : r.payload.detail;
          result.className = 'box warn';
          result.textContent = GH.fill(s.m_fb_failed, {reason: reason});
        }
      }).catch(function () {
        localStorage.setItem(QUEUE, JSON.stringify(queued().concat([body])));
        result.className = 'box warn';
        result.textContent = s.m_fb_queued;
      });
    }
    if ($('fb-here').checked && navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(function (p) { finish([p.coords.longitude, p.coords.latitude]); },
                                               function () { finish(null); }, {enableHighAccuracy: true, timeout: 15000});
    } else {
      finish(null);
    }
  }

  // --- start -----------------------------------------------------------------------------------------
  function start() {
    if (!offline) { localStorage.setItem('gh_synced', cfg.moment); }
    $('locate').addEventListener('click', locate);
    $('where').addEventListener('submit', search);
    $('filter-form').addEventListener('submit', applyFilters);
    $('modes').addEventListener('click', switchMode);
    if ($('fb-buttons')) { $('fb-buttons').addEventListener('click', feedback); }
    window.addEventListener('online', function () {
      flushQueue();
      if (offline && doc.body.getAttribute('data-source') === 'server') {  // the network is back: ask the server again
        offline = false;
        doc.body.classList.remove('is-offline');
        say('');
        ask();
      }
    });
    flushQueue();
    if (offline) {
      // the page came from the phone's cache: answer this address from the cached register
      withData(function () {
        showOffline();
        var record = query.station ? recordOf(query.station) : null;
        if (record) { answer = null; renderStation(record); drawAnswer(); } else if (query.at) { answerOffline(); }
        else { answer = null; renderAnswer(); }
      });
    }
    loadLeaflet();
    if ('serviceWorker' in navigator && window.isSecureContext) {
      navigator.serviceWorker.register(cfg.service_worker, {scope: cfg.scope}).catch(function () {});
    }
    window.ghPage = {query: query, answer: function () { return answer; }, offline: function () { return offline; },
                     rerender: function (done) { withData(function () { renderAnswer(); if (done) { done(); } }); }};
  }
  start();
})();
