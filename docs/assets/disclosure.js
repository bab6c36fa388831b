/* Progressive enhancement only: every page works without this file.
   - item tables: filter by status, sort by number / status / deadline
   - print: the full page address instead of the site-relative one */
(function () {
  "use strict";

  var FILTERS = [
    ["all", "全部事项", function () { return true; }],
    ["done", "已完成", function (row) { return row.dataset.status === "done"; }],
    ["open", "未完成", function (row) { return row.dataset.status !== "done"; }],
    ["overdue", "已过整改时限", function (row) { return row.dataset.overdue === "true"; }]
  ];

  function enhanceTable(table, index) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var tools = document.createElement("div");
    tools.className = "dsc-tools";
    var id = "dsc-filter-" + index;
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "按状态筛选：";
    var select = document.createElement("select");
    select.id = id;
    select.setAttribute("data-status-filter", "");
    FILTERS.forEach(function (f) {
      var option = document.createElement("option");
      option.value = f[0];
      option.textContent = f[1];
      select.appendChild(option);
    });
    var count = document.createElement("span");
    count.className = "dsc-tools__count";
    count.setAttribute("aria-live", "polite");
    count.setAttribute("data-visible-count", "");
    tools.appendChild(label);
    tools.appendChild(select);
    tools.appendChild(count);
    var wrap = table.closest("[data-items-table-wrap]") || table;
    wrap.parentNode.insertBefore(tools, wrap);

    function applyFilter() {
      var test = FILTERS.filter(function (f) { return f[0] === select.value; })[0][2];
      var shown = 0;
      rows.forEach(function (row) {
        var visible = test(row);
        row.hidden = !visible;
        if (visible) { shown += 1; }
      });
      count.textContent = "显示 " + shown + " 项，共 " + rows.length + " 项";
    }
    select.addEventListener("change", applyFilter);
    applyFilter();

    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      if (!th.dataset.sortKey) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dsc-sort";
      button.textContent = th.textContent;
      button.setAttribute("data-sort-button", th.dataset.sortKey);
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var sorted = rows.slice().sort(function (a, b) {
          var x = a.cells[column].dataset.sort || "", y = b.cells[column].dataset.sort || "";
          if ((x === "") !== (y === "")) { return x === "" ? 1 : -1; }  // no value: always last
          var order = x < y ? -1 : x > y ? 1 : 0;
          if (order === 0) {
            order = a.cells[0].dataset.sort < b.cells[0].dataset.sort ? -1 : 1;
            return order;
          }
          return ascending ? order : -order;
        });
        var body = table.tBodies[0];
        sorted.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function fillPrintAddress() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-page-url]"), function (el) {
      el.textContent = window.location.href.split("#")[0];
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-items-table]"), enhanceTable);
  fillPrintAddress();
})();
