// The progress bar of a background shop import (templates/retail/imports/detail.html): polls
// the import's status route and moves the bar; when the import has finished (or stopped) it
// reloads the page, which then shows the report. Without this script a <noscript> meta
// refresh reloads the page every few seconds instead.
(function () {
  "use strict";

  var POLL_MS = 1500;

  function setUp(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    var format = new Intl.NumberFormat(document.documentElement.lang || "vi");

    function show(status) {
      if (status.state === "checking") {
        bar.max = Math.max(status.total_rows, 1);
        bar.value = status.done_rows;
        text.textContent = box.getAttribute("data-checking")
          .replace("{done}", format.format(status.done_rows))
          .replace("{n}", format.format(status.total_rows));
      } else {
        bar.removeAttribute("value"); // an indeterminate bar while the shops are saved
        text.textContent = box.getAttribute("data-saving");
      }
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (status) {
          if (status.finished || status.stalled) {
            window.location.reload();
            return;
          }
          show(status);
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () {
          window.setTimeout(poll, POLL_MS * 4); // a dropped connection: try again, slower
        });
    }

    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-status-url]");
    Array.prototype.forEach.call(boxes, setUp);
  });
})();
