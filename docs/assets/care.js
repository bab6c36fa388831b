/* 关怀模式 (elder-friendly mode): larger text, more spacing, stronger contrast, bigger touch targets.
   CSS does all of it (html[data-care-mode="on"] in disclosure.css); this script only flips the switch
   and remembers it across pages and visits. Loaded in <head>, so a remembered choice applies before
   the page is drawn. Without JavaScript the button stays hidden and the page is unchanged. */
(function () {
  "use strict";
  var KEY = "dsc-care-mode";
  var root = document.documentElement;

  function stored() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (e) { return false; }
  }

  function apply(on) {
    if (on) { root.setAttribute("data-care-mode", "on"); } else { root.removeAttribute("data-care-mode"); }
    Array.prototype.forEach.call(document.querySelectorAll("[data-care-toggle]"), function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.querySelector("[data-care-state]").textContent = on ? "已开启" : "已关闭";
    });
  }

  apply(stored());
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-care-toggle]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var on = root.getAttribute("data-care-mode") !== "on";
        try { window.localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode: this page only */ }
        apply(on);
      });
    });
    apply(stored() || root.getAttribute("data-care-mode") === "on");
  });
  // a page restored from the back/forward cache, or the choice made in another tab
  window.addEventListener("pageshow", function () { apply(stored()); });
  window.addEventListener("storage", function (e) { if (e.key === KEY) { apply(stored()); } });
})();
