/* The live feed: polls /api/items with the page's filters and redraws the list, newest first,
   without a reload. Crawled text is hostile: it only ever goes in through textContent, and a
   link is made only for http(s) URLs. */
(function () {
  "use strict";
  var list = document.getElementById("feed-list");
  var status = document.getElementById("feed-status");
  if (!list) return;
  var POLL_MS = Math.max(1000, parseInt(list.getAttribute("data-poll-ms"), 10) || 15000);
  var query = list.getAttribute("data-query") || "";

  var CATEGORY = { policy_misread: "政策误读", public_interest: "公众切身利益",
    moral_bottom_line: "道德底线", emergency: "突发事件", rumor: "谣言" };
  var SOURCE = { gov_site: "政府网站", news: "新闻", news_comment: "新闻跟帖", forum: "论坛",
    blog: "博客", weibo: "微博", wechat: "微信", douyin: "抖音", hotline: "热线",
    print: "报刊", tv: "电视", other: "其他" };
  var SENTIMENT = { negative: "负面", neutral: "中性", positive: "正面" };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function local(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return "—";
    var d = new Date(t + 8 * 3600 * 1000); /* Asia/Shanghai has no DST */
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "";
    } catch (e) { return ""; }
  }

  function riskClass(risk) { return risk >= 70 ? "risk-high" : (risk >= 40 ? "risk-mid" : "risk-low"); }

  function render(item) {
    var li = el("li", "feed-item" + (item.relevant ? "" : " irrelevant"));
    li.setAttribute("data-item-id", item.id);
    var meta = el("div", "feed-meta");
    meta.appendChild(el("span", "risk " + riskClass(item.risk), item.risk));
    meta.appendChild(el("span", "source", (SOURCE[item.source_type] || item.source_type) + " · " + item.source_name));
    meta.appendChild(el("span", "place", item.jurisdiction && item.jurisdiction.name));
    meta.appendChild(el("span", "time", "发布 " + local(item.published_at) + " · 采集 " + local(item.crawled_at)));
    meta.appendChild(el("span", "sentiment s-" + item.sentiment, SENTIMENT[item.sentiment] || item.sentiment));
    (item.categories || []).forEach(function (c) { meta.appendChild(el("span", "chip chip-" + c, CATEGORY[c] || c)); });
    if (!item.relevant) meta.appendChild(el("span", "tag", "无关"));
    li.appendChild(meta);
    var href = safeUrl(item.url || "");
    if (href) {
      var a = el("a", "origin", "原文");
      a.href = href;
      a.rel = "noopener noreferrer nofollow";
      a.target = "_blank";
      meta.appendChild(a);
    }
    if (item.title) li.appendChild(el("div", "feed-title", item.title));
    var text = item.text || "";
    li.appendChild(el("p", "feed-text", text.length > 220 ? text.slice(0, 220) + "…" : text));
    if (item.explanation) li.appendChild(el("p", "explain", item.explanation));
    return li;
  }

  function refresh() {
    fetch("/api/items" + (query ? "?" + query : ""), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401) { window.location.href = "/login?next=" + encodeURIComponent("/feed" + (query ? "?" + query : "")); throw new Error("login"); }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (items) {
        var known = {};
        list.querySelectorAll("[data-item-id]").forEach(function (n) { known[n.getAttribute("data-item-id")] = true; });
        var fresh = items.filter(function (i) { return !known[i.id]; }).length;
        var frag = document.createDocumentFragment();
        items.forEach(function (i) { frag.appendChild(render(i)); });
        if (!items.length) frag.appendChild(el("li", "empty", "没有符合条件的信息。"));
        list.replaceChildren(frag);
        var now = new Date();
        if (status) status.textContent = "已刷新 " + pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds()) + (fresh ? "，新增 " + fresh + " 条" : "");
      })
      .catch(function (e) { if (status && e.message !== "login") status.textContent = "刷新失败，稍后重试"; });
  }

  window.setInterval(refresh, POLL_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
