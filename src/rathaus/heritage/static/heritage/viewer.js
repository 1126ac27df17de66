/* Minimal deep-zoom viewer over IIIF Image API 3.0 tiles (progressive enhancement).
 * Written by hand because OpenSeadragon is not among the project's assets; it reads info.json,
 * picks the pyramid level that fits the zoom, and places the canonical tile URLs
 * ({x},{y},{w},{h}/{tw},{th}/0/default.jpg) as <img> elements. Without JavaScript the page
 * shows the plain image with its alternative text. */
(function () {
  "use strict";

  function el(tag, cls) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    return e;
  }

  function Viewer(root, info) {
    var self = this;
    this.root = root;
    this.info = info;
    this.base = info.id;
    this.tileSize = (info.tiles && info.tiles[0] && info.tiles[0].width) || 256;
    this.factors = (info.tiles && info.tiles[0] && info.tiles[0].scaleFactors) || [1];
    this.alt = (root.querySelector("img") || {}).alt || "";
    root.textContent = "";
    root.classList.add("heritage-viewer--active");
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", root.dataset.labelViewer || "Zoom");
    root.tabIndex = 0;
    this.layer = el("div", "heritage-viewer__layer");
    this.layer.setAttribute("role", "img");
    this.layer.setAttribute("aria-label", this.alt);
    root.appendChild(this.layer);
    var controls = el("div", "heritage-viewer__controls");
    [["+", root.dataset.labelIn, function () { self.zoomBy(1.5); }],
     ["−", root.dataset.labelOut, function () { self.zoomBy(1 / 1.5); }],
     ["⤢", root.dataset.labelReset, function () { self.fit(); }]].forEach(function (b) {
      var btn = el("button");
      btn.type = "button";
      btn.textContent = b[0];
      btn.setAttribute("aria-label", b[1] || b[0]);
      btn.addEventListener("click", b[2]);
      controls.appendChild(btn);
    });
    root.appendChild(controls);
    this.tiles = {};
    this.bind();
    this.fit();
  }

  Viewer.prototype.fit = function () {
    var w = this.root.clientWidth, h = this.root.clientHeight;
    this.scale = Math.min(w / this.info.width, h / this.info.height);
    this.minScale = this.scale;
    this.x = (w - this.info.width * this.scale) / 2;
    this.y = (h - this.info.height * this.scale) / 2;
    this.render();
  };

  Viewer.prototype.zoomBy = function (f, cx, cy) {
    var w = this.root.clientWidth, h = this.root.clientHeight;
    cx = cx === undefined ? w / 2 : cx;
    cy = cy === undefined ? h / 2 : cy;
    var next = Math.max(this.minScale, Math.min(4, this.scale * f));
    f = next / this.scale;
    this.x = cx - (cx - this.x) * f;
    this.y = cy - (cy - this.y) * f;
    this.scale = next;
    this.root.dataset.zoom = String(Math.round(this.scale * 1000) / 1000);
    this.render();
  };

  Viewer.prototype.level = function () {
    var best = this.factors[0];
    for (var i = 0; i < this.factors.length; i++) {
      if (1 / this.factors[i] >= this.scale * 0.9) { best = this.factors[i]; }
    }
    return best;
  };

  Viewer.prototype.render = function () {
    var sf = this.level(), ts = this.tileSize * sf, W = this.info.width, H = this.info.height;
    var vw = this.root.clientWidth, vh = this.root.clientHeight, wanted = {};
    var x0 = Math.max(0, Math.floor(-this.x / this.scale / ts)), y0 = Math.max(0, Math.floor(-this.y / this.scale / ts));
    var x1 = Math.min(Math.ceil(W / ts), Math.ceil((vw - this.x) / this.scale / ts));
    var y1 = Math.min(Math.ceil(H / ts), Math.ceil((vh - this.y) / this.scale / ts));
    for (var ty = y0; ty < y1; ty++) {
      for (var tx = x0; tx < x1; tx++) {
        var rx = tx * ts, ry = ty * ts, rw = Math.min(ts, W - rx), rh = Math.min(ts, H - ry);
        var region = (rx === 0 && ry === 0 && rw === W && rh === H) ? "full" : [rx, ry, rw, rh].join(",");
        var size = Math.ceil(rw / sf) + "," + Math.ceil(rh / sf);
        var url = this.base + "/" + region + "/" + size + "/0/default.jpg";
        wanted[url] = true;
        var img = this.tiles[url];
        if (!img) {
          img = el("img", "heritage-viewer__tile");
          img.alt = "";
          img.src = url;
          this.tiles[url] = img;
          this.layer.appendChild(img);
        }
        img.style.left = (rx * this.scale) + "px";
        img.style.top = (ry * this.scale) + "px";
        img.style.width = (rw * this.scale) + "px";
        img.style.height = (rh * this.scale) + "px";
      }
    }
    for (var key in this.tiles) {
      if (!wanted[key]) { this.layer.removeChild(this.tiles[key]); delete this.tiles[key]; }
    }
    this.layer.style.transform = "translate(" + this.x + "px," + this.y + "px)";
    this.root.dataset.tiles = String(Object.keys(wanted).length);
  };

  Viewer.prototype.bind = function () {
    var self = this, drag = null;
    this.root.addEventListener("pointerdown", function (e) {
      if (e.target.closest("button")) { return; }
      drag = { x: e.clientX, y: e.clientY };
      self.root.setPointerCapture(e.pointerId);
    });
    this.root.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      self.x += e.clientX - drag.x;
      self.y += e.clientY - drag.y;
      drag = { x: e.clientX, y: e.clientY };
      self.render();
    });
    this.root.addEventListener("pointerup", function () { drag = null; });
    this.root.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = self.root.getBoundingClientRect();
      self.zoomBy(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    this.root.addEventListener("keydown", function (e) {
      var step = 50;
      if (e.key === "+" || e.key === "=") { self.zoomBy(1.5); }
      else if (e.key === "-") { self.zoomBy(1 / 1.5); }
      else if (e.key === "ArrowLeft") { self.x += step; self.render(); }
      else if (e.key === "ArrowRight") { self.x -= step; self.render(); }
      else if (e.key === "ArrowUp") { self.y += step; self.render(); }
      else if (e.key === "ArrowDown") { self.y -= step; self.render(); }
      else { return; }
      e.preventDefault();
    });
    window.addEventListener("resize", function () { self.render(); });
  };

  function init() {
    var nodes = document.querySelectorAll(".heritage-viewer[data-info]");
    Array.prototype.forEach.call(nodes, function (root) {
      fetch(root.dataset.info, { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (info) {
          // The service id is absolute; tiles are fetched from this page's origin.
          info.id = root.dataset.info.replace(/\/info\.json$/, "");
          root.viewer = new Viewer(root, info);
        })
        .catch(function () { /* keep the plain image */ });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
