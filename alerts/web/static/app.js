/* Countdowns of the response clocks (board and case page): every second, the time left or
   overdue, and the colour running / due soon / breached. Times come from data attributes;
   the server's clock (body[data-server-now]) corrects a wrong PC clock. No crawled text here. */
(function () {
  "use strict";
  var DUE_SOON_SECONDS = 2 * 3600;
  var DUE_SOON_SHARE = 0.25;
  var serverNow = Date.parse(document.body.getAttribute("data-server-now") || "");
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();

  function span(seconds) {
    seconds = Math.abs(Math.floor(seconds));
    var d = Math.floor(seconds / 86400);
    var h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    if (d > 0) return d + "天" + h + "小时" + m + "分";
    if (h > 0) return h + "小时" + m + "分" + s + "秒";
    return m + "分" + s + "秒";
  }

  function setUrgency(el, urgency) {
    var classes = ["u-running", "u-due_soon", "u-breached", "u-met"];
    classes.forEach(function (c) { el.classList.remove(c); });
    el.classList.add("u-" + urgency);
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var state = el.getAttribute("data-state");
      if (state === "met") { el.textContent = "已达成"; setUrgency(el, "met"); return; }
      var due = Date.parse(el.getAttribute("data-due"));
      var started = Date.parse(el.getAttribute("data-started") || "");
      if (isNaN(due)) return;
      var left = (due - now) / 1000;
      var urgency = "running";
      if (left <= 0 || state === "breached") {
        urgency = "breached";
        el.textContent = "已超期 " + span(-left);
      } else {
        var total = isNaN(started) ? 0 : (due - started) / 1000;
        if (left <= DUE_SOON_SECONDS || (total > 0 && left <= total * DUE_SOON_SHARE)) {
          urgency = "due_soon";
        }
        el.textContent = "剩余 " + span(left);
      }
      setUrgency(el, urgency);
      var row = el.closest(".clock-row");
      if (row) setUrgency(row, urgency);
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
