// Charts of a plan's dashboard (Chart.js, installed from npm into static/vendor/).
// Each canvas[data-plan-chart] holds its chart as JSON: {type, labels, datasets, yTitle, xTitle}.
// The numbers are also in the table printed beside it; the chart is only another view of them.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  var COLOURS = ["#1b6e3c", "#c0581b", "#2a5ea8", "#8a3c99", "#a08a12", "#2b8c8c"];
  var lang = document.documentElement.lang || "vi";
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function draw(canvas) {
    var spec = JSON.parse(canvas.dataset.planChart);
    var bar = spec.type === "bar";
    spec.datasets.forEach(function (d, i) {
      var colour = COLOURS[i % COLOURS.length];
      d.borderColor = colour;
      d.backgroundColor = bar ? colour : colour + "33";
      d.borderWidth = 2;
      d.pointRadius = 2;
      d.tension = 0;
    });
    if (bar) {
      // one row per area: the box grows with the areas so labels stay readable on a phone
      canvas.parentNode.style.height = Math.max(180, 40 + spec.labels.length * 22 * spec.datasets.length) + "px";
    }
    var valueAxis = { beginAtZero: true, title: { display: !!spec.yTitle, text: spec.yTitle } };
    var labelAxis = { title: { display: !!spec.xTitle, text: spec.xTitle } };
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        locale: lang,
        animation: still ? false : undefined,
        maintainAspectRatio: false,
        indexAxis: bar ? "y" : "x",
        scales: bar ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }

  document.querySelectorAll("canvas[data-plan-chart]").forEach(draw);
})();
