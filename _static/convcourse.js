/* convcourse: keep scrollable code reachable from the keyboard after a fold opens.
 *
 * pydata-sphinx-theme makes a scrollable <pre> or output focusable (tabindex 0, so it
 * can be scrolled with the arrow keys) and the others not (tabindex -1). It decides when
 * the page loads, and again only when elements are added or the window is resized; a
 * solution folded away by sphinx-togglebutton, or a cell hidden in <details>, is not
 * scrollable then, so once opened its long lines cannot be reached without a mouse
 * (axe-core: "scrollable-region-focusable"). This script decides again, with the
 * theme's rule, for what a fold reveals. Jupyter Book links every *.js file in _static/.
 */
(function () {
  "use strict";
  var SCROLLABLE = "pre, .cell_output > .output";

  function markScrollable(container) {
    container.querySelectorAll(SCROLLABLE).forEach(function (element) {
      var scrolls = element.scrollWidth > element.clientWidth ||
        element.scrollHeight > element.clientHeight;
      element.tabIndex = scrolls ? 0 : -1;
    });
  }

  // sphinx-togglebutton toggles on a click on the admonition's title (or its button, by
  // mouse or keyboard); this listener runs after it, when the fold has opened.
  document.addEventListener("click", function (event) {
    var fold = event.target.closest && event.target.closest(".admonition.toggle");
    if (fold && !fold.classList.contains("toggle-hidden")) {
      markScrollable(fold);
    }
  });
  // <details> folds (hidden cells): "toggle" does not bubble, so listen while capturing.
  document.addEventListener("toggle", function (event) {
    if (event.target.open) {
      markScrollable(event.target);
    }
  }, true);
})();
