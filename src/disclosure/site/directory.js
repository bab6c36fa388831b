// 通报目录 filter: shows the form the page ships hidden, loads notices/index.json (every notice,
// a few fields) and lists the notices that match. Without JavaScript the paged list stays as is.
(function () {
  "use strict";
  var form = document.querySelector("[data-directory-filter]");
  if (!form || !window.fetch) return;
  var results = form.querySelector("[data-filter-results]");
  var count = form.querySelector("[data-filter-count]");
  var pages = document.querySelector("[data-directory-pages]");
  var base = form.getAttribute("data-index").replace(/index\.json$/, "");
  var field = function (name) { return form.querySelector("[data-filter=" + name + "]"); };
  var index = [];
  var last = null;  // the filter values last shown: a blur's "change" must not rebuild the list under a click

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }

  function entry(n) {
    var li = document.createElement("li");
    li.className = "dsc-entry";
    li.setAttribute("data-entry", n.id);
    li.appendChild(text("p", n.unit + (n.region ? "（" + n.region + "）" : ""), "dsc-entry__unit"));
    var title = text("p", "", "dsc-entry__title");
    var a = document.createElement("a");
    a.href = base + "../" + n.url;
    a.textContent = n.title;
    title.appendChild(a);
    li.appendChild(title);
    if (n.later) {  // a series: the follow-up notices, in order
      var series = text("p", "后续通报：", "dsc-entry__series");
      series.setAttribute("data-entry-series", "");
      n.later.forEach(function (m) {
        var link = document.createElement("a");
        link.href = base + "../" + m.url;
        link.textContent = m.issued + " " + (m.stage || m.title);
        series.appendChild(document.createTextNode(" → "));
        series.appendChild(link);
      });
      li.appendChild(series);
    }
    li.appendChild(text("p", n.issued + " · " + n.kind + (n.round ? " · " + n.round : "") + " · 共 " + n.total +
      " 项，已完成 " + n.done + " 项，已过整改时限 " + n.overdue + " 项", "dsc-entry__meta"));
    return li;
  }

  function apply() {
    var q = field("text").value.trim();
    var kind = field("kind").value, year = field("year").value;
    var round = field("round") ? field("round").value : "";
    var overdue = field("overdue").checked;
    var active = q || kind || year || round || overdue;
    var key = [q, kind, year, round, overdue].join("\u0000");
    if (key === last) return;
    last = key;
    var hits = index.filter(function (n) {
      var titles = n.title + (n.later || []).map(function (m) { return m.title; }).join("");
      return (!q || (n.unit + n.region + titles).indexOf(q) >= 0) && (!kind || n.kind === kind) &&
        (!year || n.year === year) && (!round || n.round === round) && (!overdue || n.overdue > 0);
    });
    results.textContent = "";
    if (!active) {
      results.hidden = true;
      pages.hidden = false;
      count.textContent = "";
      return;
    }
    hits.slice(0, 200).forEach(function (n) { results.appendChild(entry(n)); });
    results.hidden = false;
    pages.hidden = true;
    count.textContent = "找到 " + hits.length + " 份通报" + (hits.length > 200 ? "，显示前 200 份，请缩小范围" : "") + "。";
  }

  fetch(form.getAttribute("data-index")).then(function (r) { return r.json(); }).then(function (data) {
    index = data;
    form.hidden = false;
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  });
})();
