/* The seller's home: draws the charts from the JSON block the page carries (no inline script, no CDN:
   Chart.js comes with the admin theme). Every chart has axes, values on hover and a table beside it. */
(function () {
  "use strict";

  function money(value, currency) {
    var amount = Number(value);
    if (currency === "VND") {
      return Math.round(amount).toLocaleString("vi-VN") + " ₫";
    }
    return amount.toLocaleString("vi-VN", { style: "currency", currency: currency });
  }

  function count(value) {
    return Number(value).toLocaleString("vi-VN");
  }

  // The theme's primary orange (sellercenter/settings.py UNFOLD["COLORS"]).
  function cssColor(alpha) {
    return alpha === undefined ? "rgb(234, 88, 12)" : "rgba(234, 88, 12, " + alpha + ")";
  }

  var PALETTE = ["#ea580c", "#2563eb", "#16a34a", "#9333ea", "#db2777", "#0891b2", "#ca8a04"];

  function lineChart(canvas, data, key, format) {
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: data.texts.now,
            data: data[key].map(Number),
            borderColor: cssColor(),
            backgroundColor: cssColor(0.15),
            fill: true,
            tension: 0.25,
            pointRadius: data.labels.length > 40 ? 0 : 3,
          },
          {
            label: data.texts.previous,
            data: data[key + "Previous"].map(Number),
            borderColor: "#94a3b8",
            borderDash: [6, 4],
            fill: false,
            tension: 0.25,
            pointRadius: 0,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 10 } },
          y: { beginAtZero: true, ticks: { callback: function (v) { return format(v); } } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) {
                var i = items[0].dataIndex;
                return data.labels[i] + " / " + data.previousLabels[i];
              },
              label: function (item) { return item.dataset.label + ": " + format(item.parsed.y); },
            },
          },
        },
      },
    });
  }

  function funnelChart(canvas, data) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.funnel.map(function (s) { return s.label; }),
        datasets: [{ label: data.texts.sessions, data: data.funnel.map(function (s) { return s.value; }),
                     backgroundColor: cssColor(0.8) }],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { beginAtZero: true, ticks: { callback: count } } },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                var first = data.funnel[0].value || 1;
                return count(item.parsed.x) + " (" + (100 * item.parsed.x / first).toFixed(1).replace(".", ",") + " %)";
              },
            },
          },
        },
      },
    });
  }

  function shareChart(canvas, rows, currency) {
    var total = rows.reduce(function (sum, row) { return sum + Number(row.value); }, 0) || 1;
    return new Chart(canvas, {
      type: "doughnut",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: [{ data: rows.map(function (r) { return Number(r.value); }), backgroundColor: PALETTE }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { position: "right" },
          tooltip: {
            callbacks: {
              label: function (item) {
                var share = (100 * item.parsed / total).toFixed(1).replace(".", ",");
                return item.label + ": " + money(item.parsed, currency) + " (" + share + " %)";
              },
            },
          },
        },
      },
    });
  }

  function showCustomRange(form) {
    var select = form.querySelector("[data-range-select]");
    var custom = select && select.value === "custom";
    form.querySelectorAll("[data-custom-range]").forEach(function (label) { label.hidden = !custom; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-range-form]");
    if (form) {
      showCustomRange(form);
      form.querySelector("[data-range-select]").addEventListener("change", function () { showCustomRange(form); });
    }
    var source = document.getElementById("home-chart-data");
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var formatMoney = function (v) { return money(v, data.currency); };
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var kind = canvas.dataset.chart;
      if (kind === "sales") { lineChart(canvas, data, "sales", formatMoney); }
      if (kind === "orders") { lineChart(canvas, data, "orders", count); }
      if (kind === "funnel") { funnelChart(canvas, data); }
      if (kind === "channels") { shareChart(canvas, data.channels, data.currency); }
      if (kind === "tiers") { shareChart(canvas, data.tiers, data.currency); }
    });
  });
})();
