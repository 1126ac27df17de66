// Mobility map: stops coloured by Haltestellenkategorie and Güteklassen areas (progressive
// enhancement; every number is also in the tables of the page). No inline styles (CSP).
(function () {
  "use strict";
  var CLASS_COLOURS = { A: "#1a9850", B: "#66bd63", C: "#a6d96a", D: "#fee08b", E: "#fdae61", F: "#f46d43" };
  var CATEGORY_COLOURS = ["#000000", "#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef"];

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    });
  }

  function init() {
    var el = document.getElementById("mobility-map");
    if (!el || typeof L === "undefined") { return; }
    el.classList.add("mobility-map--active");
    var map = L.map(el, { scrollWheelZoom: false });
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.getAttribute("data-tile-attribution") || "" }).addTo(map);
    } else {
      el.classList.add("mobility-map--plain");
    }
    // Offline base layer: the municipality's outline and its Ortsteile (readable without tiles).
    var base = el.getAttribute("data-base-url");
    var baseLayer = null;
    var baseData = base ? fetchJson(base).catch(function () { return null; }) : Promise.resolve(null);
    Promise.all([
      fetchJson(el.getAttribute("data-classes-url")), fetchJson(el.getAttribute("data-stops-url")), baseData
    ])
      .then(function (data) {
        if (data[2] && data[2].features && data[2].features.length) {
          baseLayer = L.geoJSON(data[2], {
            style: function (f) {
              return f.properties.kind === "gemeinde"
                ? { color: "#3d3d3d", weight: 3, dashArray: "8 4", fill: !tiles, fillColor: "#ffffff", fillOpacity: 0.6 }
                : { color: "#6b6b6b", weight: 1.5, fill: false };
            },
            interactive: false
          }).addTo(map);
          data[2].features.forEach(function (f) {
            if (f.properties.kind !== "ortsteil") { return; }
            var centre = L.geoJSON(f).getBounds().getCenter();
            var label = document.createElement("span");
            label.className = "mobility-district-label";
            label.textContent = f.properties.name;
            L.marker(centre, {
              interactive: false, keyboard: false,
              icon: L.divIcon({ className: "mobility-district-icon", html: label, iconSize: null })
            }).addTo(map);
          });
        }
        // Güteklassen: opaque enough to be seen, outlined in the class colour (legend below the map).
        L.geoJSON(data[0], {
          style: function (f) {
            var c = CLASS_COLOURS[f.properties["class"]] || "#999999";
            return { color: c, weight: 1, opacity: 0.9, fillColor: c, fillOpacity: 0.55 };
          },
          interactive: false
        }).addTo(map);
        var stops = L.geoJSON(data[1], {
          pointToLayer: function (f, latlng) {
            var n = f.properties.category_number || 0;
            return L.circleMarker(latlng, {
              radius: n ? 9 - Math.min(n, 6) : 3, color: "#ffffff", weight: 1,
              fillColor: n ? CATEGORY_COLOURS[n] : "#777777", fillOpacity: 1
            });
          },
          onEachFeature: function (f, layer) {
            var p = f.properties;
            var text = document.createElement("div");
            var title = document.createElement("strong");
            title.textContent = p.name;
            text.appendChild(title);
            text.appendChild(document.createElement("br"));
            text.appendChild(document.createTextNode(
              (p.category ? "Kategorie " + p.category : "ohne Kategorie") + ", " + p.departures + " Abfahrten" +
              (p.interval_min ? ", Takt " + p.interval_min + " min" : "")
            ));
            layer.bindPopup(text);
          }
        }).addTo(map);
        var bounds = baseLayer ? baseLayer.getBounds() : stops.getBounds();
        if (!bounds.isValid()) { bounds = stops.getBounds(); }
        if (bounds.isValid()) { map.fitBounds(bounds.pad(0.05)); } else { map.setView([51.05, 12.14], 12); }
      })
      .catch(function () {
        el.classList.add("mobility-map--error");
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
