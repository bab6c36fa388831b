// 通报目录 filter: shows the form the page ships hidden, loads notices/index.json (every notice,
// a few fields) and lists the notices that match. The filters live in the page's address
// (?q=单位或地区&kind=…&year=…&round=…&overdue=1, history.replaceState): a reload keeps them and a
// shared link opens filtered. Without JavaScript the paged list stays as is, and the page says so.
//
// The same script filters 联系方式 (/contact/): it shows the page's hidden
// <form class="disclosure-contact-filter"> and hides the contact blocks ([data-unit] / [data-issuer])
// whose unit and issuer do not contain the typed text, with ?q= in the address as well. When the
// contacts run over several pages, the form names notices/index.json (data-index) and the notices
// of other pages whose unit or title holds the text are listed too, each a link to its notice
// (whose pages show its own contact).
// Data only ever reaches the page through textContent.
(function () {
  "use strict";

  // The address's query parameters, read and written whole; everything else of the address stays.
  function readParams() {
    return new URLSearchParams(window.location.search);
  }

  function writeParams(pairs) {
    if (!window.history || !window.history.replaceState) return;
    var params = new URLSearchParams();
    pairs.forEach(function (p) { if (p[1]) params.set(p[0], p[1]); });
    var query = params.toString();
    // from the whole address, not the path: a path such as //contact/ (two slashes typed or
    // linked) would, written out alone, name another host and throw
    var url = window.location.href.split(/[?#]/)[0] + (query ? "?" + query : "") + window.location.hash;
    if ((query ? "?" + query : "") !== window.location.search) {
      window.history.replaceState(window.history.state, "", url);
    }
  }

  // A filter form shown and live: every input, change and submit applies it; applied once now.
  function live(form, apply) {
    form.hidden = false;
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    apply();
    form.setAttribute("data-filter-ready", "");
  }

  // A notice's address in notices/index.json (from the site's root) as a link from this page:
  // the index's own address (the form's data-index) says where notices/ is from here.
  function indexLink(indexUrl, url) { return indexUrl.replace(/index\.json$/, "") + "../" + url; }

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }

  // ---------------------------------------------------------------- 通报目录
  function directory(form) {
    var results = form.querySelector("[data-filter-results]");
    var count = form.querySelector("[data-filter-count]");
    var pages = document.querySelector("[data-directory-pages]");
    var indexUrl = form.getAttribute("data-index");
    var field = function (name) { return form.querySelector("[data-filter=" + name + "]"); };
    // address parameter -> form field; the text field is ?q= (unit or region)
    var PARAMS = [["q", "text"], ["kind", "kind"], ["year", "year"], ["round", "round"], ["overdue", "overdue"]];
    var index = [];
    var last = null;  // the filter values last shown: a blur's "change" must not rebuild the list under a click

    function entry(n) {
      var li = document.createElement("li");
      li.className = "dsc-entry";
      li.setAttribute("data-entry", n.id);
      li.appendChild(text("p", n.unit + (n.region ? "（" + n.region + "）" : ""), "dsc-entry__unit"));
      var title = text("p", "", "dsc-entry__title");
      var a = document.createElement("a");
      a.href = indexLink(indexUrl, n.url);
      a.textContent = n.title;
      title.appendChild(a);
      li.appendChild(title);
      if (n.later) {  // a series: the follow-up notices, in order
        var series = text("p", "后续通报：", "dsc-entry__series");
        series.setAttribute("data-entry-series", "");
        n.later.forEach(function (m) {
          var link = document.createElement("a");
          link.href = indexLink(indexUrl, m.url);
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

    // What the form says now, as address parameters (empty values are left out of the address).
    function values() {
      return PARAMS.map(function (p) {
        var f = field(p[1]);
        if (!f) return [p[0], ""];
        return [p[0], f.type === "checkbox" ? (f.checked ? "1" : "") : f.value.trim()];
      });
    }

    // The address's filters into the form: a select only takes a value it offers.
    function fromAddress() {
      var params = readParams();
      PARAMS.forEach(function (p) {
        var f = field(p[1]), value = params.get(p[0]);
        if (!f || value === null) return;
        if (f.type === "checkbox") f.checked = value === "1";
        else if (f.tagName === "SELECT") {
          for (var i = 0; i < f.options.length; i++) if (f.options[i].value === value) f.value = value;
        } else f.value = value;
      });
    }

    function apply() {
      var v = {};
      values().forEach(function (p) { v[p[0]] = p[1]; });
      var key = [v.q, v.kind, v.year, v.round, v.overdue].join("\u0000");
      if (key === last) return;
      last = key;
      writeParams(values());
      var active = v.q || v.kind || v.year || v.round || v.overdue;
      var hits = index.filter(function (n) {
        var titles = n.title + (n.later || []).map(function (m) { return m.title; }).join("");
        return (!v.q || (n.unit + n.region + titles).indexOf(v.q) >= 0) && (!v.kind || n.kind === v.kind) &&
          (!v.year || n.year === v.year) && (!v.round || n.round === v.round) && (!v.overdue || n.overdue > 0);
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

    fetch(indexUrl).then(function (r) { return r.json(); }).then(function (data) {
      index = data;
      fromAddress();
      live(form, apply);
    });
  }

  // ---------------------------------------------------------------- 联系方式
  function contacts(form) {
    var box = form.querySelector("input[name=q]");
    if (!box) return;
    var blocks = Array.prototype.slice.call(document.querySelectorAll("[data-unit], [data-issuer]"))
      .filter(function (b) { return !form.contains(b); });
    var count = form.querySelector("[data-contact-filter-count]");
    if (!count) {
      count = text("p", "", "dsc-filter__count");
      count.setAttribute("data-contact-filter-count", "");
      count.setAttribute("aria-live", "polite");
      form.appendChild(count);
    }
    var paged = document.querySelector("[data-contact-pager]") !== null;  // the contacts run over several pages
    var last = null;
    var indexUrl = form.getAttribute("data-index");
    var elsewhere = null, rows = null;
    if (indexUrl && window.fetch) {
      elsewhere = document.createElement("div");
      elsewhere.className = "dsc-contact-elsewhere";
      elsewhere.setAttribute("data-contact-elsewhere", "");
      form.appendChild(elsewhere);
    }

    function fold(value) { return (value || "").replace(/\s+/g, "").toLowerCase(); }

    // the notices of the other pages whose unit or title holds the text (notices/index.json)
    function otherPages(q) {
      if (!elsewhere) return;
      elsewhere.textContent = "";
      elsewhere.removeAttribute("data-ready");
      var want = fold(q);
      if (!want) return;
      var load = rows ? Promise.resolve(rows) : fetch(indexUrl).then(function (r) { return r.json(); });
      load.then(function (data) {
        rows = data;
        if (fold(box.value.trim()) !== want) return;  // typed on meanwhile
        var here = {};
        blocks.forEach(function (b) { here[b.getAttribute("data-contact-notice")] = true; });
        var hits = data.filter(function (n) {
          return !here[n.id] && fold(n.unit + "\n" + n.title).indexOf(want) >= 0;
        });
        if (hits.length) {
          elsewhere.appendChild(text("p", "其他页上还有 " + hits.length + " 份通报的单位名称或标题包含“" + q +
            "”，打开通报即可看到它的联系方式" + (hits.length > 50 ? "（列出前 50 份）" : "") + "："));
          var list = document.createElement("ul");
          hits.slice(0, 50).forEach(function (n) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = indexLink(indexUrl, n.url);
            a.textContent = n.unit + "：" + n.title;
            li.appendChild(a);
            list.appendChild(li);
          });
          elsewhere.appendChild(list);
        } else {
          elsewhere.appendChild(text("p", "其他页上没有单位名称或标题包含“" + q + "”的通报。"));
        }
        elsewhere.setAttribute("data-ready", "");
      });
    }

    function apply() {
      var q = box.value.trim();
      if (q === last) return;
      last = q;
      writeParams([["q", q]]);
      var want = fold(q), shown = 0;
      blocks.forEach(function (b) {
        var hit = !want || fold((b.getAttribute("data-unit") || "") + "\n" + (b.getAttribute("data-issuer") || ""))
          .indexOf(want) >= 0;
        b.hidden = !hit;
        if (hit) shown += 1;
      });
      count.textContent = !q ? "" : shown ? "本页找到 " + shown + " 份通报的联系方式，单位名称包含“" + q + "”。"
        : "本页没有单位名称包含“" + q + "”的联系方式" + (elsewhere ? "。" : "，请换一个词再找" + (paged ? "，或翻到其他页查找" : "") + "。");
      otherPages(q);
    }

    box.value = readParams().get("q") || "";
    live(form, apply);
  }

  var directoryForm = document.querySelector("[data-directory-filter]");
  if (directoryForm && window.fetch && window.URLSearchParams) directory(directoryForm);
  var contactForm = document.querySelector("form.disclosure-contact-filter");
  if (contactForm && window.URLSearchParams) contacts(contactForm);
})();
