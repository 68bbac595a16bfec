// Dashboard charts, drawn with Apache ECharts (static/vendor/echarts) from data the page carries.
//
// Each chart is a `<div class="chart" data-chart="ID">` with its data in a
// `<script type="application/json" id="chart-ID">` (Django's json_script), shaped as
//   {"kind": "funnel" | "bar" | "hbar" | "line" | "pie" | "stacked",
//    "labels": [...], "unit": "count" | "money" | "days" | "percent",
//    "series": [{"name": ..., "values": [...], "links": [url or null, ...]}]}
// The numbers are also in a table beside each chart: the chart is a picture of the table, and a click
// on a bar, slice or point opens the same list the table's number links to.
(function () {
  "use strict";

  if (!window.echarts) {
    return;
  }

  var chinese = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  // Distinct at a glance and each dark enough for white labels (4.5:1 or better).
  var PALETTE = ["#1f5fbf", "#b3541e", "#2a7d4f", "#7a3fa0", "#a3303d", "#276f86", "#6b5e1a", "#4d5a6a"];

  function group(number, digits) {
    return number.toLocaleString(chinese ? "zh-CN" : "en-US", {
      minimumFractionDigits: 0,
      maximumFractionDigits: digits,
    });
  }

  // Amounts read as people say them: 万 and 亿 in Chinese, thousands and millions in English.
  function money(value) {
    var abs = Math.abs(value);
    if (chinese) {
      if (abs >= 1e8) {
        return group(value / 1e8, 2) + "亿";
      }
      if (abs >= 1e4) {
        return group(value / 1e4, 1) + "万";
      }
      return group(value, 0) + "元";
    }
    if (abs >= 1e6) {
      return "¥" + group(value / 1e6, 2) + "M";
    }
    if (abs >= 1e3) {
      return "¥" + group(value / 1e3, 1) + "k";
    }
    return "¥" + group(value, 0);
  }

  function format(unit, value) {
    if (value === null || value === undefined || value === "") {
      return "–";
    }
    value = Number(value);
    switch (unit) {
      case "money":
        return money(value);
      case "percent":
        return group(value, 1) + "%";
      case "days":
        return group(value, 1) + (chinese ? " 天" : " d");
      default:
        return group(value, 0);
    }
  }

  function formatter(unit) {
    return function (value) {
      return format(unit, value);
    };
  }

  function tooltip(spec) {
    return {
      trigger: spec.kind === "pie" || spec.kind === "funnel" ? "item" : "axis",
      confine: true,
      valueFormatter: formatter(spec.unit),
    };
  }

  function categoryAxis(labels, vertical) {
    return {
      type: "category",
      data: labels,
      inverse: vertical,
      axisLabel: { interval: 0, hideOverlap: true, width: vertical ? 96 : 72, overflow: "truncate" },
      axisTick: { alignWithLabel: true },
    };
  }

  function valueAxis(unit) {
    return { type: "value", axisLabel: { formatter: formatter(unit) }, minInterval: unit === "count" ? 1 : 0 };
  }

  function option(spec) {
    var series = spec.series || [];
    var base = {
      color: PALETTE,
      animation: !reducedMotion,
      tooltip: tooltip(spec),
      textStyle: { fontFamily: "inherit" },
    };
    if (spec.kind === "pie" || spec.kind === "funnel") {
      var first = series[0] || { values: [] };
      var data = spec.labels.map(function (label, i) {
        return { name: label, value: first.values[i] };
      });
      base.series = [
        spec.kind === "pie"
          ? {
              type: "pie",
              name: first.name,
              radius: ["38%", "68%"],
              data: data,
              label: {
                formatter: function (p) {
                  return p.name + ": " + format(spec.unit, p.value);
                },
              },
            }
          : {
              type: "funnel",
              name: first.name,
              sort: "none",
              left: "10%",
              width: "80%",
              minSize: "28%",
              data: data,
              label: {
                position: "inside",
                color: "#fff",
                formatter: function (p) {
                  return p.name + "  " + format(spec.unit, p.value);
                },
              },
            },
      ];
      return base;
    }
    var horizontal = spec.kind === "hbar";
    base.grid = { left: 8, right: 16, top: series.length > 1 ? 40 : 16, bottom: 8, containLabel: true };
    if (series.length > 1) {
      base.legend = { type: "scroll", top: 0 };
    }
    base.xAxis = horizontal ? valueAxis(spec.unit) : categoryAxis(spec.labels, false);
    base.yAxis = horizontal ? categoryAxis(spec.labels, true) : valueAxis(spec.unit);
    base.series = series.map(function (one) {
      return {
        type: spec.kind === "line" ? "line" : "bar",
        name: one.name,
        data: one.values,
        stack: spec.kind === "stacked" ? "total" : undefined,
        barMaxWidth: 36,
        emphasis: { focus: "series" },
        connectNulls: true,
      };
    });
    return base;
  }

  function link(spec, params) {
    var one = (spec.series || [])[params.seriesIndex || 0];
    return one && one.links ? one.links[params.dataIndex] : null;
  }

  var drawn = [];

  function draw(element) {
    var source = document.getElementById("chart-" + element.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    // Shown before it is drawn: ECharts takes the size the element has now (hidden, it would be 100 px).
    element.classList.add("chart-drawn");
    var chart = window.echarts.init(element, null, { locale: chinese ? "ZH" : "EN", renderer: "canvas" });
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var url = link(spec, params);
      if (url) {
        window.location.assign(url);
      }
    });
    chart.getZr().on("mousemove", function (event) {
      chart.getZr().setCursorStyle(event.target ? "pointer" : "default");
    });
    drawn.push(chart);
  }

  function drawAll() {
    document.querySelectorAll(".chart[data-chart]").forEach(draw);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      drawn.forEach(function (chart) {
        chart.resize();
      });
    }, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
