"""关怀模式 enlarges every text of the page, not only paragraphs (issue 28, item 4).

With care mode on, every visible element that directly holds text (lists, tables, excerpts, nav,
header, footer, buttons, form fields, search results) has a computed font size of at least 20 px,
at 1280 px and at 375 px; and at 375 px the larger text still causes no horizontal scrolling."""
from __future__ import annotations

import pytest

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
PAGES = {"home": "", "notice": "jinpu-2019/", "item": "jinpu-2019/items/5-2/",
         "search": "search/?q=%E9%A5%AE%E6%B0%B4"}
MIN_PX = 20

# Every text node (and every form field's own text: value, placeholder, option) whose element is
# rendered: not display:none / visibility:hidden / zero-size / clipped away as a visually-hidden
# (sr-only) label. Returns the offenders with their size, so a failure says what to fix.
SMALL_TEXTS = """(min) => {
  const hiddenAlone = (el) => {
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.visibility === 'collapse') return true;
    const r = el.getBoundingClientRect();
    const clipped = (s.clip && s.clip !== 'auto' && /rect\\(0(px)?,? 0(px)?/.test(s.clip))
                 || (s.clipPath && s.clipPath.startsWith('inset(50%'));
    return clipped || (r.width <= 1 && r.height <= 1);
  };
  const visible = (el) => {
    if (!el.getClientRects().length) return false;                 // display:none, or inside one
    if (el.closest('[hidden], [aria-hidden=true], svg, template, noscript')) return false;
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      if (hiddenAlone(a)) return false;
      if (a.matches('.md-visually-hidden, .sr-only, .visually-hidden, .screen-reader-text')) return false;
    }
    return true;
  };
  const seen = new Set(), total = {n: 0}, small = [];
  const check = (el, text) => {
    if (seen.has(el)) return;
    seen.add(el);
    if (!visible(el)) return;
    total.n++;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < min) small.push([size, el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).join('.') : ''), text.trim().slice(0, 30)]);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.nodeValue.trim() || !node.parentElement) continue;
    if (node.parentElement.closest('script, style')) continue;
    check(node.parentElement, node.nodeValue);
  }
  for (const field of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const text = field.value || field.placeholder || (field.options && field.options.length ? field.options[0].text : '');
    if (text && text.trim()) check(field, text);
  }
  return {total: total.n, small: small};
}"""


def _open_in_care_mode(browser, url: str, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE)
    # the choice as a returning reader left it: remembered by care.js in localStorage
    context.add_init_script("try { localStorage.setItem('dsc-care-mode', 'on'); } catch (e) {}")
    tab = context.new_page()
    tab.goto(url)
    return context, tab


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
@pytest.mark.parametrize("name", list(PAGES))
def test_care_mode_makes_every_text_at_least_20px(browser, site_url, name, viewport):
    context, tab = _open_in_care_mode(browser, site_url + PAGES[name], viewport)
    try:
        if name == "search":
            tab.wait_for_selector("[data-search-results] [data-item-id]")
        assert tab.get_attribute("html", "data-care-mode") == "on"
        found = tab.evaluate(SMALL_TEXTS, MIN_PX)
        assert found["total"] > 20, found  # the walk saw the page, not an empty shell
        assert found["small"] == [], (name, viewport["width"], len(found["small"]), found["small"][:25])
        if viewport is PHONE:
            assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
    finally:
        context.close()


@pytest.mark.browser
def test_without_care_mode_the_page_keeps_its_normal_sizes(browser, site_url):
    """The rules apply only in care mode: a plain visit still has its smaller list text."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    tab = context.new_page()
    tab.goto(site_url + PAGES["notice"])
    try:
        assert tab.get_attribute("html", "data-care-mode") is None
        assert tab.evaluate(SMALL_TEXTS, MIN_PX)["small"] != []
    finally:
        context.close()
