// Draws every <canvas data-chart="SPEC-ID"> of the page with Chart.js, from the JSON spec in
// <script type="application/json" id="SPEC-ID"> (written by satustok/web/charts.py through
// json_script: no inline script runs under the Content-Security-Policy).
//
// Spec: {kind: "bar"|"line", unit: "rupiah"|"count", title, dates: bool, stacked: bool,
//        labels: [ISO date or text], series: [{label, values: [number per label]}]}
//
// Rupiah are written as on an Indonesian price tag in both languages ("Rp 150.000", as the
// server's |rupiah filter does); dates are calendar days (already WIB), formatted in the
// page's language (<html lang>: "id" by default, "en") without any time-zone shift. Each
// drawn canvas gets data-drawn="1"; Chart.getChart(canvas) returns the chart and its data.
(function () {
  "use strict";

  var PALETTE = ["#0f766e", "#f59e0b", "#6366f1", "#e11d48", "#0ea5e9", "#84cc16", "#a855f7", "#64748b"];

  function language() {
    var lang = (document.documentElement.getAttribute("lang") || "id").toLowerCase();
    return lang.indexOf("en") === 0 ? "en" : "id";
  }

  // 1234567 → "1.234.567": dots group thousands, as the server's |number filter writes them.
  function grouped(value) {
    var whole = Math.round(Math.abs(Number(value) || 0)).toString();
    var text = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (value < 0 ? "-" : "") + text;
  }

  function rupiah(value) {
    return (value < 0 ? "-" : "") + "Rp " + grouped(Math.abs(value));
  }

  function full(unit, value) {
    return unit === "rupiah" ? rupiah(value) : grouped(value);
  }

  // Axis ticks stay short: "Rp 1,5 jt" / "Rp 1.5M", "12 rb" / "12K".
  function compact(unit, value) {
    if (Math.abs(value) < 1000) { return full(unit, value); }
    var text = new Intl.NumberFormat(language(), { notation: "compact", maximumFractionDigits: 1 }).format(value);
    return unit === "rupiah" ? "Rp " + text : text;
  }

  // "2026-12-07" as that calendar day (never through UTC, which would shift it a day).
  function day(iso) {
    var parts = String(iso).split("-");
    return new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
  }

  function dayLabel(iso, long) {
    var options = long
      ? { weekday: "short", day: "numeric", month: "short", year: "numeric" }
      : { day: "numeric", month: "short" };
    return new Intl.DateTimeFormat(language(), options).format(day(iso));
  }

  function datasets(spec) {
    return spec.series.map(function (series, index) {
      var colour = series.color || PALETTE[index % PALETTE.length];
      return {
        label: series.label,
        data: series.values.slice(),
        backgroundColor: spec.kind === "line" ? colour + "33" : colour,
        borderColor: colour,
        borderWidth: spec.kind === "line" ? 2 : 0,
        pointRadius: spec.kind === "line" && series.values.length > 14 ? 1.5 : 3,
        tension: 0.25,
        fill: false
      };
    });
  }

  function options(spec) {
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduced ? false : { duration: 300 },
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            title: function (items) {
              if (!items.length) { return ""; }
              var label = spec.labels[items[0].dataIndex];
              return spec.dates ? dayLabel(label, true) : String(label);
            },
            label: function (item) {
              return item.dataset.label + ": " + full(spec.unit, item.parsed.y);
            }
          }
        }
      },
      scales: {
        x: {
          stacked: !!spec.stacked,
          grid: { display: false },
          ticks: {
            autoSkip: true,
            maxRotation: 0,
            callback: function (value) {
              var label = spec.labels[value];
              return spec.dates ? dayLabel(label, false) : String(label);
            }
          }
        },
        y: {
          stacked: !!spec.stacked,
          beginAtZero: true,
          ticks: { callback: function (value) { return compact(spec.unit, value); } }
        }
      }
    };
  }

  function draw(canvas) {
    if (canvas.dataset.drawn === "1" || typeof window.Chart === "undefined") { return; }
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    // The labels stay the spec's own (ISO days): the ticks and tooltips format them.
    new window.Chart(canvas, {
      type: spec.kind === "line" ? "line" : "bar",
      data: { labels: spec.labels.slice(), datasets: datasets(spec) },
      options: options(spec)
    });
    canvas.dataset.drawn = "1";
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }

  window.satustokCharts = { rupiah: rupiah, grouped: grouped, dayLabel: dayLabel, drawAll: drawAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
