// Accessible names Material's markup leaves out (axe-core: aria-dialog-name, label): the search
// dialog, and the hidden toggles that open the search and the navigation drawer.
(function () {
  "use strict";
  const names = { ".md-search[role=dialog]": "Search", "input#__search": "Open search", "input#__drawer": "Open navigation" };
  for (const [selector, name] of Object.entries(names)) {
    for (const el of document.querySelectorAll(selector)) {
      if (!el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) el.setAttribute("aria-label", name);
    }
  }
})();
