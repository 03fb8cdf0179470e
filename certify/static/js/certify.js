// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can refuse
// inline event handlers: forms that ask before they are sent, selects that send their form,
// boxes that scroll sideways reachable by the keyboard.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-submit-on-change]")) { event.target.form.submit(); }
  });

  // A wide table or chart that scrolls sideways must take the focus so the arrow keys scroll it
  // (WCAG 2.1.1); one that fits is no tab stop. Boxes with their own tabindex are left alone.
  var SCROLLERS = ".table-wrap, .report-chart, .prose table, .cohort-tabs";
  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      if (box.hasAttribute("tabindex") && !box.hasAttribute("data-scroll-focus")) { return; }
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }
  markScrollers();

  // A form sent back with errors puts the focus on its first wrong field, whose label and
  // error (aria-describedby) a screen reader then reads together.
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); }
  window.addEventListener("resize", markScrollers);
})();
