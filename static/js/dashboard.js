/* Dashboards: draw each <canvas data-chart> from the table it names (data-table).
   The table is the source of the numbers: its <th data-series> columns are the
   datasets, its row headers the labels, its cells' data-value the values. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var PALETTE = ["#0b5ed7", "#f0a202", "#198754", "#d63384", "#6f42c1", "#20c997", "#fd7e14", "#6c757d",
                 "#0dcaf0", "#dc3545", "#495057", "#ffc107"];
  var locale = document.documentElement.lang || "id";
  // The same words as the tables (app/i18n.py): money is rupiah written the Indonesian way
  // in both languages ("Rp 300.000", never "300,000"), other numbers in the page's language.
  var digits = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  var rupiahDigits = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 });
  function formatter(kind) {
    if (kind === "money") {
      return function (v) { return (v < 0 ? "-" : "") + "Rp\u00a0" + rupiahDigits.format(Math.abs(v)); };
    }
    if (kind === "percent") { return function (v) { return digits.format(v) + "\u00a0%"; }; }
    return function (v) { return digits.format(v); };
  }

  function readTable(table) {
    var headers = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var series = [];
    headers.forEach(function (th, index) {
      if (th.hasAttribute("data-series")) {
        series.push({ index: index, label: th.textContent.trim(), kind: th.getAttribute("data-kind"), data: [] });
      }
    });
    var labels = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var cells = row.children;
      if (!cells.length || cells[0].tagName !== "TH") { return; }
      labels.push(cells[0].textContent.trim());
      series.forEach(function (s) {
        var cell = cells[s.index];
        var raw = cell ? cell.getAttribute("data-value") : null;
        s.data.push(raw === null || raw === "" || raw === "None" ? 0 : Number(raw));
      });
    });
    return { labels: labels, series: series };
  }

  function draw(canvas) {
    var table = document.getElementById(canvas.getAttribute("data-table"));
    if (!table) { return; }
    var kind = canvas.getAttribute("data-chart");
    var data = readTable(table);
    if (!data.labels.length || !data.series.length) { return; }
    var type = kind === "stacked" || kind === "hbar" ? "bar" : kind;
    var datasets = data.series.map(function (s, i) {
      var color = PALETTE[i % PALETTE.length];
      if (kind === "doughnut") {
        return { label: s.label, data: s.data, backgroundColor: data.labels.map(function (_l, j) {
          return PALETTE[j % PALETTE.length]; }) };
      }
      return { label: s.label, data: s.data, backgroundColor: color, borderColor: color, fill: false, tension: 0.2 };
    });
    if (kind === "doughnut") { datasets = datasets.slice(0, 1); }
    var format = formatter(data.series[0].kind);
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: kind === "doughnut" || datasets.length > 1 },
        tooltip: { callbacks: { label: function (ctx) {
          var v = typeof ctx.parsed === "object" ? (kind === "hbar" ? ctx.parsed.x : ctx.parsed.y) : ctx.parsed;
          return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + format(v);
        } } }
      }
    };
    if (kind !== "doughnut") {
      var valueAxis = { beginAtZero: true, stacked: kind === "stacked", ticks: { callback: function (v) { return format(v); } } };
      var labelAxis = { stacked: kind === "stacked" };
      if (kind === "hbar") {
        options.indexAxis = "y";
        options.scales = { x: valueAxis, y: labelAxis };
      } else {
        options.scales = { x: labelAxis, y: valueAxis };
      }
    }
    new window.Chart(canvas, { type: type, data: { labels: data.labels, datasets: datasets }, options: options });
    canvas.setAttribute("data-drawn", "1");
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
