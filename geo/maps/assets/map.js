/* What every map of the app runs (geo.maps.base), defined at the start of its script. Text shown
   on the map arrives already made safe for HTML by the Python side (geo.markup.map_text). */

/* Leaflet's own images from the app (or inlined, in a map saved as a file); the first press on
   the map without scrolling the page; the app's own links followed in the app's window. */
function ghMapStyle(map, options) {
  L.Icon.Default.imagePath = options.imagePath;
  if (options.icon) { L.Icon.Default.mergeOptions(options.icon); }
  // Leaflet's keyboard handler focuses the map on the first press; in a frame that focus
  // scrolls the whole page to show the map, between press and release, so the release lands on
  // another marker and the popup never opens. The map is focused here first, without
  // scrolling, and the handler (which listens to the focus event) then leaves it alone.
  map.getContainer().addEventListener("mousedown", function () {
    if (document.activeElement !== map.getContainer()) { map.getContainer().focus({preventScroll: true}); }
  }, true);
  // A link of the app in a popup (e.g. a station's feedback form) is followed in the app's own
  // window: the map's frame may not navigate it (sandbox), so it asks the page, which follows
  // only links of its own site (ui.reports.follow_map_links). A map opened as a file keeps the
  // plain link (a new tab).
  if (window.parent !== window && !window.__ghLinks) {
    window.__ghLinks = true;
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a.gh-app-link");
      if (!link) { return; }
      event.preventDefault();
      window.parent.postMessage({type: "gh-open", href: link.getAttribute("href")}, window.location.origin);
    });
  }
}

/* A notice while no tile of the view could be loaded (no network, a tile server down, a key
   refused). It lies under the map's panes, where the missing tiles would be: every marker and the
   rider's dot are drawn over it and every tap goes to the map, so it hides nothing and needs no
   closing. */
function ghTileTrouble(map, messageHtml) {
  var box = L.DomUtil.create("div", "gh-tiles-failed", map.getContainer());
  box.setAttribute("role", "status");
  box.innerHTML = messageHtml;
  box.style.display = "none";
  var loaded = 0, failed = 0;
  function show() { box.style.display = (failed > 0 && loaded === 0) ? "block" : "none"; }
  map.eachLayer(function (layer) {
    if (!(layer instanceof L.TileLayer)) { return; }
    layer.on("loading", function () { loaded = 0; failed = 0; });
    layer.on("tileload", function () { loaded += 1; show(); });
    layer.on("tileerror", function () { failed += 1; show(); });
  });
}

/* A fixed legend in the map's corner. A section tied to a layer ([key, layer] pairs) shows only
   while that layer is on the map, so a layer switched on brings its legend with it. */
function ghLegend(map, legendHtml, tied) {
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "gh-legend");
    div.innerHTML = legendHtml;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo(map);
  function sync() {
    tied.forEach(function (pair) {
      var part = legend.getContainer().querySelector('[data-legend="' + pair[0] + '"]');
      if (part) { part.style.display = map.hasLayer(pair[1]) ? "" : "none"; }
    });
  }
  map.on("overlayadd overlayremove", sync);
  sync();
}

/* The icon of a marker cluster: a disc with the count (colour and class of a station type, or
   none for reports). */
function ghClusterIcon(colour, className) {
  return function (cluster) {
    var style = colour ? ' style="background:' + colour + '"' : "";
    return L.divIcon({
      html: "<div" + style + "><span>" + cluster.getChildCount() + "</span></div>",
      className: "marker-cluster gh-cluster " + className,
      iconSize: new L.Point(36, 36)
    });
  };
}
