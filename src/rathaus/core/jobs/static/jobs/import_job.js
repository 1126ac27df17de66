/* Live status of a running import job (progressive enhancement, ADR 0022).
 * Without JavaScript the page offers a "reload now" link. With it, the status area is fetched again
 * every few seconds and swapped in place (no page reload, no timed <meta refresh>: WCAG 2.2.1), and
 * a button pauses and resumes the updates. When the job has ended, the whole page is loaded once so
 * that its result, messages and links appear. */
(function () {
  "use strict";
  var live = document.getElementById("job-live");
  if (!live || !window.fetch || !window.DOMParser) { return; }
  var seconds = parseInt(live.getAttribute("data-refresh-seconds"), 10) || 2;
  var button = document.getElementById("job-live-toggle");
  var note = document.getElementById("job-live-note");
  var paused = false;
  var timer = null;

  function schedule() {
    if (!paused) { timer = window.setTimeout(update, seconds * 1000); }
  }

  function update() {
    window.fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("job-live");
        if (!fresh) { window.location.reload(); return; }  // the job has ended: show the whole page
        var area = document.getElementById("job-live-area");
        var freshArea = doc.getElementById("job-live-area");
        if (area && freshArea && area.innerHTML !== freshArea.innerHTML) { area.innerHTML = freshArea.innerHTML; }
        schedule();
      })
      .catch(function () { schedule(); });  // a lost request: try again at the next tick
  }

  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      paused = !paused;
      button.setAttribute("aria-pressed", paused ? "true" : "false");
      button.textContent = paused ? button.getAttribute("data-label-resume") : button.getAttribute("data-label-pause");
      if (paused) { window.clearTimeout(timer); } else { update(); }
    });
  }
  if (note) { note.hidden = false; }
  schedule();
}());
