// Maps of registers (Leaflet + leaflet-geoman, installed from npm into static/vendor/).
// - [data-register-map]: the register's shapes from its GeoJSON export, with a popup per record.
// - textarea[data-geometry-editor]: a map under a record's shape field; drawing or editing a shape
//   writes its GeoJSON into the textarea, which the form posts (the server checks it).
// Without tiles (no MAP_TILES setting, offline, tests) the shapes show over a plain background.
// Popups are built from text nodes: record values never become HTML.
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  var TAY_NINH_ISH = [11.0, 106.2]; // only where the map opens before any shape is known

  function baseMap(el) {
    var map = L.map(el, { preferCanvas: false }).setView(TAY_NINH_ISH, 9);
    var tiles = el.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    return map;
  }

  function popup(feature, link) {
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = link.replace("__id__", encodeURIComponent(feature.id));
    a.textContent = feature.properties.title || ("#" + feature.id);
    box.appendChild(a);
    var meta = [];
    if (feature.properties.code) meta.push(feature.properties.code);
    if (feature.properties.area_ha !== null && feature.properties.area_ha !== undefined) {
      meta.push(Number(feature.properties.area_ha).toFixed(2) + " ha");
    }
    if (meta.length) {
      var p = document.createElement("div");
      p.className = "small muted";
      p.textContent = meta.join(" · ");
      box.appendChild(p);
    }
    return box;
  }

  document.querySelectorAll("[data-register-map]").forEach(function (el) {
    var map = baseMap(el);
    fetch(el.dataset.source, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var layer = L.geoJSON(data, {
          onEachFeature: function (feature, shape) { shape.bindPopup(popup(feature, el.dataset.link)); },
        }).addTo(map);
        el.dataset.features = String(data.features.length);
        if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 15 });
        el.setAttribute("data-ready", "true");
      });
  });

  document.querySelectorAll("textarea[data-geometry-editor]").forEach(function (area) {
    var el = document.createElement("div");
    el.className = "map editor-map";
    el.dataset.tiles = area.dataset.tiles || "";
    el.setAttribute("role", "application");
    el.setAttribute("aria-label", area.dataset.mapLabel || "");
    area.insertAdjacentElement("afterend", el);
    var map = baseMap(el);
    var group = L.featureGroup().addTo(map);
    function write() {
      var shapes = [];
      group.eachLayer(function (l) { shapes.push(l.toGeoJSON().geometry); });
      if (!shapes.length) { area.value = ""; return; }
      var polys = shapes.filter(function (g) { return g.type === "Polygon" || g.type === "MultiPolygon"; });
      if (shapes.length === 1) area.value = JSON.stringify(shapes[0]);
      else if (polys.length === shapes.length) {
        var coords = [];
        polys.forEach(function (g) { coords = coords.concat(g.type === "Polygon" ? [g.coordinates] : g.coordinates); });
        area.value = JSON.stringify({ type: "MultiPolygon", coordinates: coords });
      } else area.value = JSON.stringify(shapes[shapes.length - 1]);
    }
    function watch(layer) {
      layer.on("pm:edit", write);
      layer.on("pm:remove", write);
    }
    try {
      if (area.value.trim()) {
        L.geoJSON(JSON.parse(area.value)).eachLayer(function (l) { group.addLayer(l); watch(l); });
        map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 16 });
      }
    } catch (e) { /* not GeoJSON yet: the server names the problem on save */ }
    var types = (area.dataset.types || "").split(" ");
    var polygons = types.indexOf("Polygon") >= 0 || types.indexOf("MultiPolygon") >= 0;
    map.pm.addControls({
      position: "topleft", drawMarker: types.indexOf("Point") >= 0, drawPolygon: polygons,
      drawPolyline: false, drawRectangle: polygons, drawCircle: false, drawCircleMarker: false,
      drawText: false, cutPolygon: false, rotateMode: false,
    });
    map.on("pm:create", function (e) {
      if (types.indexOf("MultiPolygon") < 0) group.clearLayers();
      group.addLayer(e.layer);
      watch(e.layer);
      write();
    });
    map.on("pm:remove", function (e) { group.removeLayer(e.layer); write(); });
  });
})();
