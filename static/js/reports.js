/* Report pages: charts from the data Django puts in <script type="application/json" id="chart-data">
   (json_script), and the print button. No inline script: works under a CSP without 'unsafe-inline'. */
(function () {
  "use strict";
  var RED = "#b30000", GREY = "#9e9e9e", PALETTE = ["#b30000", "#e65100", "#f9a825", "#2e7d32", "#1565c0", "#6a1b9a", "#00838f", "#5d4037", "#757575"];
  var nf = new Intl.NumberFormat("vi-VN");

  function bars(canvas, rows) {
    var labels = rows.map(function (r) { return r.label; });
    return new window.Chart(canvas, {
      data: {
        labels: labels,
        datasets: [
          { type: "bar", label: "Kết nạp", data: rows.map(function (r) { return r.admitted; }), backgroundColor: RED, order: 2 },
          { type: "line", label: "Chỉ tiêu", data: rows.map(function (r) { return r.quota; }), borderColor: GREY, backgroundColor: GREY, spanGaps: true, order: 1 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        // Head counts: whole-number ticks only (Chart.js would otherwise draw 0,1 … 0,9 for small counts).
        scales: { y: { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return nf.format(v); } } } },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + (c.raw === null ? "—" : nf.format(c.raw)); } } } }
      }
    });
  }

  function shares(canvas, rows) {
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: rows.map(function (r) { return r.label; }), datasets: [{ label: "Số lượng", data: rows.map(function (r) { return r.value; }), backgroundColor: PALETTE }] },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return nf.format(v); } } } }
      }
    });
  }

  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var key = canvas.getAttribute("data-chart"), rows = data[key];
      if (!rows) { return; }
      if (key === "years" || key === "children") { bars(canvas, rows); } else { shares(canvas, rows); }
    });
  }

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) { window.print(); }
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
