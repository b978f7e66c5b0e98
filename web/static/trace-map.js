// The small map of a public trace page: the growing areas a batch's events name (Leaflet, from npm
// into static/vendor/). The shapes come in the page's data-places (GeoJSON, escaped by the template);
// titles become text nodes, never HTML. Without tiles the shapes show over a plain background.
(function () {
  "use strict";
  if (typeof L === "undefined") return;
  var el = document.getElementById("trace-map");
  if (!el || !el.dataset.places) return;
  var data;
  try { data = JSON.parse(el.dataset.places); } catch (e) { return; }
  var map = L.map(el, { scrollWheelZoom: false });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var layer = L.geoJSON(data, {
    onEachFeature: function (feature, shape) {
      var box = document.createElement("div");
      box.textContent = feature.properties.title || "";
      shape.bindPopup(box);
    },
  }).addTo(map);
  // more room above: a marker stands over its point
  map.fitBounds(layer.getBounds(), { paddingTopLeft: [16, 44], paddingBottomRight: [16, 16], maxZoom: 14 });
  el.setAttribute("data-ready", "true");
})();
