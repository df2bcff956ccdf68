/* The 503 page while the store is away: ask /api/health every few seconds and reload the page
   once the store answers again. No crawled text here, nothing inline (strict CSP). */
(function () {
  "use strict";
  var box = document.querySelector(".outage");
  if (!box) return;
  var seconds = parseInt(box.getAttribute("data-retry-seconds") || "10", 10) || 10;
  var status = document.querySelector(".outage-status");

  function check() {
    fetch("/api/health", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (health) {
        if (health && health.store === true) { window.location.reload(); return; }
        if (status) status.textContent = "仍不可用，" + seconds + " 秒后再试…";
        window.setTimeout(check, seconds * 1000);
      })
      .catch(function () { window.setTimeout(check, seconds * 1000); });
  }
  window.setTimeout(check, seconds * 1000);
})();
