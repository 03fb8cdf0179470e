// The grading page's running total: each criterion's points and the weighted result so far,
// computed as the server does (weighted points / weighted maximum, to the hundredth).
(function () {
  "use strict";
  var form = document.querySelector(".grading-form");
  var total = document.getElementById("grading-total");
  if (!form || !total) { return; }
  var criteria = Array.prototype.slice.call(form.querySelectorAll("fieldset.criterion[data-weight]"));

  function update() {
    var earned = 0, maximum = 0, done = 0;
    criteria.forEach(function (criterion) {
      var weight = Number(criterion.dataset.weight), max = Number(criterion.dataset.max);
      var chosen = criterion.querySelector("input[type=radio]:checked");
      var badge = criterion.querySelector(".criterion-score");
      maximum += weight * max;
      if (chosen) {
        done += 1;
        earned += weight * Number(chosen.value);
        badge.textContent = badge.dataset.points.replace("{points}", chosen.value).replace("{max}", max);
      } else {
        badge.textContent = badge.dataset.none;
      }
    });
    document.getElementById("grading-progress").textContent =
      total.dataset.progress.replace("{done}", done).replace("{total}", criteria.length);
    var result = document.getElementById("grading-result");
    if (done === criteria.length && maximum > 0) {
      var percent = Math.round(earned * 10000 / maximum) / 100;
      var verdict = percent >= Number(total.dataset.passMark) ? total.dataset.passed : total.dataset.failed;
      result.textContent = total.dataset.result.replace("{percent}", percent.toLocaleString(document.documentElement.lang)) + " · " + verdict;
    } else {
      result.textContent = "";
    }
  }
  form.addEventListener("change", update);
  update();
})();
