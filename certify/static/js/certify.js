// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can refuse
// inline event handlers: forms that ask before they are sent, selects that send their form.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-submit-on-change]")) { event.target.form.submit(); }
  });
})();
