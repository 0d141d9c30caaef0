// Accessible names Material's markup leaves out (axe-core: aria-dialog-name, label): the search
// dialog, and the hidden toggles that open the search and the navigation drawer; and a table too wide
// for the page scrolls in a box a keyboard can reach (axe-core: scrollable-region-focusable).
(function () {
  "use strict";
  const names = { ".md-search[role=dialog]": "Search", "input#__search": "Open search", "input#__drawer": "Open navigation" };
  function fix() {
    for (const [selector, name] of Object.entries(names)) {
      for (const el of document.querySelectorAll(selector)) {
        if (!el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) el.setAttribute("aria-label", name);
      }
    }
    for (const box of document.querySelectorAll(".md-typeset__scrollwrap")) {
      if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Table (scrolls sideways)");
      }
    }
  }
  if (typeof document$ !== "undefined") document$.subscribe(fix); // after Material has laid the page out
  else fix();
})();
