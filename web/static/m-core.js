/* Gaohe Station Map, light rider page (/m): the parts without a page (no DOM, no network).
 *
 * The same rules as the server's (geo/rider/page.py, geo/rider/answer.py, geo/i18n.py), so that a
 * card made here after a tap or offline reads as the server's: tests run both (node) and compare.
 * - distanceM: geodesic on the WGS-84 ellipsoid (Vincenty's inverse formula; within 1 mm of the
 *   exact geodesic over a town), not a sphere;
 * - wgs84ToGcj02 / gcj02ToWgs84: Amap's datum, for its tiles and its navigation links;
 * - offlineAnswer: the rider's never-empty answer from the cached register;
 * - cardModel, answerMessages, describeOpening: the page's words, from the catalogues.
 * Text from the register is data: it goes into the page as text (textContent), never as markup.
 */
(function (root) {
  'use strict';
  var GH = {};

  // --- the ellipsoid ---------------------------------------------------------------------------
  var WGS84_A = 6378137.0, WGS84_F = 1 / 298.257223563, WGS84_B = WGS84_A * (1 - WGS84_F);
  var RAD = Math.PI / 180;

  /** Metres between two WGS-84 lon/lat points along the ellipsoid (Vincenty 1975, inverse). */
  GH.distanceM = function (lon1, lat1, lon2, lat2) {
    var L = (lon2 - lon1) * RAD;
    var U1 = Math.atan((1 - WGS84_F) * Math.tan(lat1 * RAD)), U2 = Math.atan((1 - WGS84_F) * Math.tan(lat2 * RAD));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = L, previous, iterations = 0;
    var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM;
    do {
      var sinLambda = Math.sin(lambda), cosLambda = Math.cos(lambda);
      var a = cosU2 * sinLambda, b = cosU1 * sinU2 - sinU1 * cosU2 * cosLambda;
      sinSigma = Math.sqrt(a * a + b * b);
      if (sinSigma === 0) { return 0; }
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      var sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
      cos2Alpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cos2Alpha !== 0 ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0;
      var C = WGS84_F / 16 * cos2Alpha * (4 + WGS84_F * (4 - 3 * cos2Alpha));
      previous = lambda;
      lambda = L + (1 - C) * WGS84_F * sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - previous) > 1e-12 && ++iterations < 200);
    var u2 = cos2Alpha * (WGS84_A * WGS84_A - WGS84_B * WGS84_B) / (WGS84_B * WGS84_B);
    var A = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
    var B = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
    var deltaSigma = B * sinSigma * (cos2SigmaM + B / 4 * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
      B / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    return WGS84_B * A * (sigma - deltaSigma);
  };

  // --- GCJ-02 (the formula of geo/place/datum.py) ------------------------------------------------
  var KRASOVSKY_A = 6378245.0, KRASOVSKY_EE = 0.00669342162296594323;

  function outsideChina(lon, lat) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function gcjOffset(lon, lat) {
    if (outsideChina(lon, lat)) { return [0, 0]; }
    var PI = Math.PI, x = lon - 105.0, y = lat - 35.0, s = Math.sqrt(Math.abs(x));
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * s +
      (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0 +
      (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0 +
      (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * s +
      (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0 +
      (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0 +
      (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat * (PI / 180.0), sinLat = Math.sin(radLat);
    var magic = 1.0 - KRASOVSKY_EE * (sinLat * sinLat), sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrtMagic) * PI);
    dLon = (dLon * 180.0) / (KRASOVSKY_A / sqrtMagic * Math.cos(radLat) * PI);
    return [dLon, dLat];
  }

  GH.wgs84ToGcj02 = function (lon, lat) {
    var d = gcjOffset(lon, lat);
    return [lon + d[0], lat + d[1]];
  };

  GH.gcj02ToWgs84 = function (lon, lat) {
    var wLon = lon, wLat = lat;
    for (var i = 0; i < 30; i++) {
      var d = gcjOffset(wLon, wLat), eLon = wLon + d[0] - lon, eLat = wLat + d[1] - lat;
      wLon -= eLon;
      wLat -= eLat;
      if (Math.abs(eLon) < 1e-10 && Math.abs(eLat) < 1e-10) { break; }
    }
    return [wLon, wLat];
  };

  // --- numbers and words as Python writes them --------------------------------------------------

  /** x with d decimals as Python's format does (an exact half goes to the even digit). */
  function pyFixed(x, d) {
    var scale = Math.pow(10, d), y = x * scale, low = Math.floor(y);
    if (y - low === 0.5) { return ((low % 2 === 0 ? low : low + 1) / scale).toFixed(d); }
    return x.toFixed(d);
  }
  GH.pyFixed = pyFixed;

  /** Python's round(x, d) for the figures of an answer. */
  function pyRound(x, d) { return Number(pyFixed(x, d || 0)); }
  GH.pyRound = pyRound;

  /** A catalogue string with its {name}, {name:.1f}, {name:g} fields filled (str.format's subset). */
  GH.fill = function (template, values) {
    return template.replace(/\{(\w+)(?::([^}]*))?\}/g, function (whole, name, spec) {
      var value = values[name];
      if (value === undefined) { return whole; }
      var fixed = /^\.(\d+)f$/.exec(spec || '');
      if (fixed) { return pyFixed(Number(value), Number(fixed[1])); }
      return String(value);
    });
  };

  GH.formatDistance = function (metres) {
    return metres < 1000 ? pyFixed(metres, 0) + ' m' : pyFixed(metres / 1000, 1) + ' km';
  };

  GH.formatMinutes = function (seconds) { return Math.max(1, Math.ceil(seconds / 60)); };

  // --- local times: "2026-11-28T23:30" (Beijing wall clock; no daylight saving) -------------------

  function minutesOf(text) {
    return Date.UTC(+text.slice(0, 4), +text.slice(5, 7) - 1, +text.slice(8, 10), +text.slice(11, 13),
                    +text.slice(14, 16)) / 60000;
  }
  function textOf(minutes) { return new Date(minutes * 60000).toISOString().slice(0, 16); }
  GH.minutesOf = minutesOf;
  GH.textOf = textOf;

  /** Now in Beijing, to the minute (or the clock the server fixed for tests). */
  GH.now = function (fixed) {
    return fixed || textOf(Math.floor((Date.now() + 8 * 3600000) / 60000));
  };

  GH.describeOpening = function (opening, moment, s) {
    var state = opening.state, change = opening.next_change;
    if (state === 'unknown') { return s.hours_unknown; }
    var isOpen = state === 'open';
    if (change === null) { return isOpen ? s.always_open : s.closed_now; }
    var left = minutesOf(change) - minutesOf(moment);
    if (left <= 60) {
      return (isOpen ? s.open_now : s.closed_now) + ' · ' + GH.fill(isOpen ? s.closes_in : s.opens_in, {min: left});
    }
    var when = change.slice(0, 10) === moment.slice(0, 10) ? change.slice(11, 16)
      : change.slice(5, 10) + ' ' + change.slice(11, 16);
    return isOpen ? s.open_now + ' · ' + GH.fill(s.closes_at, {time: when})
      : s.closed_now + ' · ' + GH.fill(s.opens_at, {time: when});
  };

  GH.whenText = function (at, moment, s) {
    var days = Math.round((minutesOf(at.slice(0, 10) + 'T00:00') - minutesOf(moment.slice(0, 10) + 'T00:00')) / 1440);
    var time = at.slice(11, 16);
    if (days === 0) { return GH.fill(s.today_at, {time: time}); }
    if (days === 1) { return GH.fill(s.tomorrow_at, {time: time}); }
    return GH.fill(s.date_at, {date: at.slice(5, 10), time: time});
  };

  // --- opening hours from the cached table -------------------------------------------------------

  var STATES = {o: 'open', c: 'closed', u: 'unknown'};

  /** {state, next_change} of an opening_hours expression at a moment, from the offline table. */
  GH.openingAt = function (data, expression, moment) {
    var entry = data.hours[expression], at = minutesOf(moment) - minutesOf(data.day0);
    var intervals = entry ? entry.intervals : [];
    for (var i = 0; i < intervals.length; i++) {
      var part = intervals[i];
      if (part[0] <= at && at < part[1]) {
        var state = STATES[part[2]];
        var change = state === 'unknown' || part[1] >= data.horizon_min ? null : textOf(minutesOf(data.day0) + part[1]);
        return {state: state, next_change: change};
      }
    }
    return {state: 'unknown', next_change: null};  // beyond what the phone has: not known
  };

  // --- the rider's answer, offline ---------------------------------------------------------------

  var REST_TYPES = ['hub', 'party_mass', 'red', 'neighbourhood'];

  function fits(station, types, amenities) {
    if (types.indexOf(station.station_type) < 0) { return false; }
    if (!amenities.length) { return true; }
    for (var i = 0; i < amenities.length; i++) {
      if ((station.amenities || []).indexOf(amenities[i]) >= 0) { return true; }
    }
    return false;
  }

  function measured(data, rows, lon, lat) {
    return rows.map(function (row) {
      var station = data.stations[row];
      return {row: row, station: station, distance: GH.distanceM(lon, lat, station.lon, station.lat)};
    }).sort(function (a, b) { return a.distance - b.distance || a.row - b.row; });
  }

  function answerRows(data, found, k, moment) {
    var trip = data.trip;
    return found.slice(0, k).map(function (item, i) {
      var s = item.station, opening = GH.openingAt(data, s.opening_hours, moment);
      var route = item.distance * trip.detour_factor;
      return {
        rank: i + 1, id: s.id, station_type: s.station_type, name_zh: s.name_zh, name_en: s.name_en,
        location_status: s.location_status, opening_hours: s.opening_hours, is_open: opening.state === 'open',
        lon: s.lon, lat: s.lat, distance_m: pyRound(item.distance, 1), route_m: pyRound(route, 1),
        route_kind: 'straight', ebike_s: pyRound(route / (trip.ebike_kmh / 3.6)),
        walk_s: pyRound(route / (trip.walk_kmh / 3.6)), opening: opening
      };
    });
  }

  /** The rider's never-empty answer (geo.rider.answer.answer_rider, straight-line distances) from
   * the cached register, as the server's payload (geo.rider.serialise.answer_payload). */
  GH.offlineAnswer = function (data, query, lon, lat, moment) {
    var types = query.mode === 'parking' ? ['parking'] : REST_TYPES, amenities = query.amenities || [];
    var all = [], ofType = [], withAmenities = [], chosen = [], openAny = [];
    data.stations.forEach(function (s, row) {
      var open = GH.openingAt(data, s.opening_hours, moment).state === 'open';
      all.push(row);
      if (open) { openAny.push(row); }
      if (types.indexOf(s.station_type) >= 0) {
        ofType.push(row);
        if (fits(s, types, amenities)) {
          withAmenities.push(row);
          if (open || !query.open_now) { chosen.push(row); }
        }
      }
    });
    var payload = {
      moment: moment, position: {lon: pyRound(lon, 7), lat: pyRound(lat, 7)},
      query: {mode: query.mode, amenities: amenities.slice(), amenities_match: 'any', open_now: query.open_now,
              k: query.k},
      register_version: data.version, route_kind: 'straight', results: [], empty_reason: null, open_now: null,
      next_opening: null
    };
    if (chosen.length) {
      payload.results = answerRows(data, measured(data, chosen, lon, lat), query.k, moment);
      return payload;
    }
    if (!all.length) { payload.empty_reason = 'no_stations'; return payload; }
    payload.empty_reason = !ofType.length ? 'types' : (!withAmenities.length ? 'amenities' : 'open_now');
    if (openAny.length) { payload.open_now = answerRows(data, measured(data, openAny, lon, lat), query.k, moment); }
    if (payload.empty_reason === 'open_now') {
      var wanted = withAmenities.length ? withAmenities : ofType, best = null;
      measured(data, wanted, lon, lat).forEach(function (item, order) {
        var opening = GH.openingAt(data, item.station.opening_hours, moment);
        if (opening.state !== 'closed' || opening.next_change === null) { return; }
        var key = [opening.next_change, item.distance, order];
        if (best === null || key[0] < best[0] || (key[0] === best[0] && (key[1] < best[1] ||
            (key[1] === best[1] && key[2] < best[2])))) {
          best = key.concat([item.station]);
        }
      });
      if (best !== null) {
        payload.next_opening = {id: best[3].id, name_zh: best[3].name_zh, name_en: best[3].name_en, opens_at: best[0],
                                distance_m: pyRound(best[1], 1)};
      }
    }
    return payload;
  };

  // --- the page's words ----------------------------------------------------------------------------

  /** A station's name in the page's language, else its Chinese name (geo.i18n.name_in). */
  GH.nameIn = function (record, lang) {
    var own = record['name_' + lang];
    return typeof own === 'string' && own.trim() ? own : (record.name_zh || '');
  };

  var PY_SAFE = {'%2C': ',', '%3A': ':', '%7C': '|'};
  /** Python's quote(text, safe=",:|") (the navigation links' encoding). */
  function quoteLink(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
      return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    }).replace(/%2C|%3A|%7C/g, function (c) { return PY_SAFE[c]; });
  }
  /** Python's quote(text) (safe "/"). */
  function quotePath(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
      return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    }).replace(/%2F/g, '/');
  }
  function f6(x) { return x.toFixed(6); }

  /** geo.rider.navigation.navigation_links: Amap (GCJ-02, no origin), Baidu (WGS-84, with the
   * rider's position as origin), geo: (WGS-84). */
  GH.navigationLinks = function (lon, lat, name, origin) {
    var gcj = GH.wgs84ToGcj02(lon, lat);
    var amap = 'https://uri.amap.com/navigation?to=' + quoteLink(f6(gcj[0]) + ',' + f6(gcj[1]) + ',' + name) +
      '&mode=ride&coordinate=gaode&callnative=1&src=gaohe-station-map';
    var baidu = 'https://api.map.baidu.com/direction?';
    if (origin) { baidu += 'origin=' + quoteLink('latlng:' + f6(origin[1]) + ',' + f6(origin[0]) + '|name:我的位置') + '&'; }
    baidu += 'destination=' + quoteLink('latlng:' + f6(lat) + ',' + f6(lon) + '|name:' + name) +
      '&mode=riding&coord_type=wgs84&region=' + quoteLink('怀宁县') + '&output=html&src=gaohe-station-map';
    var geo = 'geo:' + f6(lat) + ',' + f6(lon) + '?q=' + f6(lat) + ',' + f6(lon) + '(' + quotePath(name) + ')';
    return {amap: amap, baidu: baidu, geo: geo, wgs84_text: f6(lat) + ', ' + f6(lon),
            gcj02_text: f6(gcj[0]) + ',' + f6(gcj[1])};
  };

  var GLYPHS = {hub: '中', party_mass: '驿', red: '红', neighbourhood: '站', parking: 'P'};
  GH.GLYPHS = GLYPHS;
  var NAV_APPS = ['amap', 'baidu', 'geo'];

  /** The page's link to itself with a query (geo.rider.page.PageQuery.url). */
  GH.pageUrl = function (q) {
    var params = [];
    function add(name, value) { params.push(name + '=' + encodeURIComponent(value)); }
    if (q.station) { add('station', q.station); }
    if (q.at) { add('at', q.at[0].toFixed(6) + ',' + q.at[1].toFixed(6)); }
    if (q.mode && q.mode !== 'rest') { add('mode', q.mode); }
    (q.amenities || []).forEach(function (a) { add('amenity', a); });
    if (q.open_now === false) { add('hours', 'any'); }
    if (q.k && q.k !== 3) { add('k', String(q.k)); }
    if (q.lang && q.lang !== 'zh') { add('lang', q.lang); }
    return 'm' + (params.length ? '?' + params.join('&') : '');
  };

  /** The query of a page address (geo.rider.page.parse_page_query). */
  GH.parseQuery = function (search, vocabulary) {
    var params = {};
    search.replace(/^\?/, '').split('&').forEach(function (part) {
      if (!part) { return; }
      var pair = part.split('='), name = decodeURIComponent(pair[0]);
      var value = decodeURIComponent((pair[1] || '').replace(/\+/g, ' ')).trim();
      (params[name] = params[name] || []).push(value);
    });
    function first(name) { return (params[name] || [''])[0]; }
    var q = {lang: 'zh', at: null, station: null, mode: 'rest', amenities: [], open_now: first('hours') !== 'any',
             k: 3, place_query: first('q').slice(0, 80)};
    if (first('lang') === 'en') { q.lang = 'en'; }
    var at = first('at').split(',');
    if (at.length === 2 && /^[-+0-9.eE]+$/.test(at[0]) && /^[-+0-9.eE]+$/.test(at[1])) {
      var lon = Number(at[0]), lat = Number(at[1]);
      if (isFinite(lon) && isFinite(lat) && Math.abs(lon) <= 180 && Math.abs(lat) <= 90) { q.at = [lon, lat]; }
    }
    if (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/.test(first('station'))) { q.station = first('station'); }
    if (first('mode') === 'parking') { q.mode = 'parking'; }
    if (q.mode === 'rest') {
      (params.amenity || []).forEach(function (a) {
        if (vocabulary.amenities.indexOf(a) >= 0 && q.amenities.indexOf(a) < 0) { q.amenities.push(a); }
      });
    }
    if (['1', '3', '5', '10'].indexOf(first('k')) >= 0) { q.k = Number(first('k')); }
    return q;
  };

  /** One answer card (geo.rider.page.card_model). ctx: lang, s (strings), moment, navApp, origin,
   * communities (code -> name), hoursText (expression -> text), amenityInfo (code -> [icon, label]). */
  GH.cardModel = function (row, record, ctx) {
    var s = ctx.s, verified = record.location_status === 'verified';
    var links = GH.navigationLinks(record.lon, record.lat, record.name_zh, ctx.origin);
    var amenities = (record.amenities || []).filter(function (a) { return ctx.amenityInfo[a]; });
    var typeLabel = ctx.typeLabels[record.station_type];
    var community = ctx.communities[record.community_code || ''] || '';
    var hoursLine = s.popup_hours + ': ' + (ctx.hoursText[record.opening_hours] || record.opening_hours);
    if (record.hours_status !== 'verified') { hoursLine += ' (' + s.hours_unverified + ')'; }
    var amenityText = amenities.map(function (a) { return ctx.amenityInfo[a][0] + ' ' + ctx.amenityInfo[a][1]; })
      .join(s.m_list_separator);
    var state = row.opening.state;
    return {
      id: record.id,
      rank: row.rank,
      name: GH.nameIn(record, ctx.lang),
      type: record.station_type,
      type_label: typeLabel,
      glyph: GLYPHS[record.station_type],
      verified: verified,
      trip: GH.formatDistance(row.route_m) + ' · ' + GH.fill(s.ebike_eta, {min: GH.formatMinutes(row.ebike_s)}) +
        ' · ' + GH.fill(s.walk_eta, {min: GH.formatMinutes(row.walk_s)}) + ' · ' +
        (row.route_kind === 'road' ? s.route_road : s.route_straight),
      state: state,
      state_icon: state === 'open' ? '🟢' : (state === 'closed' ? '🔴' : '⚪'),
      state_text: GH.describeOpening(row.opening, ctx.moment, s),
      icons: amenities.map(function (a) { return ctx.amenityInfo[a][0]; }).join(''),
      icons_label: amenities.map(function (a) { return ctx.amenityInfo[a][1]; }).join(s.m_list_separator),
      nav: {label: verified ? s.navigate : s.navigate_unverified, href: links[ctx.navApp],
            title: GH.fill(s.navigate_with, {app: s['nav_app_' + ctx.navApp]})},
      other_navs: NAV_APPS.filter(function (app) { return app !== ctx.navApp; }).map(function (app) {
        return {app: app, label: GH.fill(s.navigate_with, {app: s['nav_app_' + app]}), href: links[app]};
      }),
      unverified_note: verified ? '' : s.unverified_card_note,
      details: [
        [typeLabel, community].filter(Boolean).join(' · '),
        s.popup_address + ': ' + (record.address || s.popup_unknown),
        hoursLine,
        s.popup_phone + ': ' + (record.phone || s.popup_unknown),
        s.popup_amenities + ': ' + (amenityText || s.popup_none)
      ],
      coordinates: [s.coordinates_wgs84 + ': ' + links.wgs84_text, s.coordinates_gcj02 + ': ' + links.gcj02_text],
      feedback_href: GH.pageUrl({station: record.id, lang: ctx.lang})
    };
  };

  var FEEDBACK_KINDS = ['closed', 'moved', 'missing_amenity', 'hours_wrong', 'other'];

  /** One station's page (geo.rider.page.station_model). */
  GH.stationModel = function (record, opening, ctx) {
    var row = {rank: 0, route_m: 0, ebike_s: 0, walk_s: 0, route_kind: 'straight', opening: opening};
    var c = GH.cardModel(row, record, ctx), s = ctx.s;
    var amenities = (record.amenities || []).filter(function (a) { return ctx.amenityInfo[a]; });
    if (!amenities.length) { amenities = ctx.riderAmenities.slice(); }
    return {
      id: c.id, name: c.name, type: c.type, type_label: c.type_label, glyph: c.glyph, verified: c.verified,
      state: c.state, state_icon: c.state_icon, state_text: c.state_text, unverified_note: c.unverified_note,
      details: c.details, coordinates: c.coordinates,
      other_name: ctx.lang !== 'en' ? record.name_en : record.name_zh,
      navs: [{app: ctx.navApp, label: c.nav.label, href: c.nav.href}].concat(c.other_navs),
      nearby_href: GH.pageUrl({lang: ctx.lang, at: [record.lon, record.lat]}),
      feedback_kinds: FEEDBACK_KINDS.map(function (kind) { return {kind: kind, label: s['m_fb_' + kind]}; }),
      feedback_amenities: amenities.map(function (a) {
        return {amenity: a, label: ctx.amenityInfo[a][0] + ' ' + ctx.amenityInfo[a][1]};
      })
    };
  };

  /** The box above the cards when nothing fits (geo.rider.page.answer_messages). */
  GH.answerMessages = function (payload, ctx) {
    var s = ctx.s, kind = s['kind_' + payload.query.mode], reason = payload.empty_reason, lines = [];
    if (reason === 'open_now') {
      lines.push(GH.fill(s.empty_open_now, {kind: kind}));
      var first = payload.next_opening;
      if (first) {
        lines.push(GH.fill(s.first_to_open, {name: GH.nameIn(first, ctx.lang),
          when: GH.whenText(first.opens_at, payload.moment, s), distance: GH.formatDistance(first.distance_m)}));
      }
    } else if (reason === 'amenities') {
      var wanted = payload.query.amenities.map(function (a) {
        return ctx.amenityInfo[a][0] + ' ' + ctx.amenityInfo[a][1];
      }).join(s.m_list_separator);
      lines.push(GH.fill(s.empty_amenities, {kind: kind, amenities: wanted}));
    } else if (reason === 'types') {
      lines.push(GH.fill(s.empty_types, {kind: kind}));
    } else if (reason === 'no_stations') {
      lines.push(s.empty_no_stations);
    }
    if (reason && reason !== 'no_stations') {
      lines.push(payload.open_now && payload.open_now.length ? s.open_now_elsewhere : s.nothing_open_anywhere);
    }
    return {lines: lines, night: reason === 'open_now'};
  };

  GH.shownRows = function (payload) {
    return (payload.results && payload.results.length ? payload.results : payload.open_now) || [];
  };

  /** Metres from a point to the town's approximate extent (0 inside). */
  GH.outsideTownM = function (extent, lon, lat) {
    var box = extent.west_south_east_north;
    var cLon = Math.min(Math.max(lon, box[0]), box[2]), cLat = Math.min(Math.max(lat, box[1]), box[3]);
    return GH.distanceM(lon, lat, cLon, cLat);
  };

  // --- place search, offline (geo.place.gazetteer.search_places, without its fuzzy scorer) -------

  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var SUFFIXES = ['居委会', '村委会', '社区', '小区', '村', '镇'];
  function normalise(text) { return text.replace(/[\s'’\-_.,()（）]+/g, '').toLowerCase(); }
  function stripSuffix(name) {
    for (var i = 0; i < SUFFIXES.length; i++) {
      var suffix = SUFFIXES[i];
      if (name.length > suffix.length && name.slice(-suffix.length) === suffix) { return name.slice(0, -suffix.length); }
    }
    return name;
  }
  function lcs(a, b) {
    var previous = new Array(b.length + 1).fill(0);
    for (var i = 1; i <= a.length; i++) {
      var current = [0];
      for (var j = 1; j <= b.length; j++) {
        current[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
      }
      previous = current;
    }
    return previous[b.length];
  }
  function ratio(a, b) { return a.length + b.length ? 200 * lcs(a, b) / (a.length + b.length) : 100; }
  function partialRatio(a, b) {
    var shorter = a.length <= b.length ? a : b, longer = a.length <= b.length ? b : a, best = 0;
    for (var i = 0; i + shorter.length <= longer.length; i++) {
      best = Math.max(best, ratio(shorter, longer.slice(i, i + shorter.length)));
    }
    return best;
  }
  function score(query, choice) {
    if (query === choice) { return 100; }
    if (query.length >= 2 && choice.indexOf(query) === 0) { return 95 - Math.min(10, choice.length - query.length); }
    return query.length >= 2 ? Math.max(ratio(query, choice), 0.9 * partialRatio(query, choice)) : 0;
  }
  GH.searchPlaces = function (places, query, limit) {
    var wanted = normalise(query);
    if (!wanted) { return []; }
    var forms = [wanted, stripSuffix(wanted)], chinese = CJK.test(wanted), found = [];
    places.forEach(function (place, row) {
      var best = 0;
      (chinese ? place.han : place.latin).forEach(function (key) {
        forms.forEach(function (form) { best = Math.max(best, score(form, key)); });
      });
      if (best >= 80) { found.push({row: row, score: best, place: place}); }
    });
    found.sort(function (a, b) { return b.score - a.score || a.row - b.row; });
    return found.slice(0, limit || 5).map(function (f) { return f.place; });
  };

  if (typeof module !== 'undefined' && module.exports) { module.exports = GH; } else { root.GH = GH; }
})(this);
