// Draws the home-page charts from the JSON the page embeds (json_script id "chart-data").
// Each element with data-chart="pie|bar" and data-series="<key>" gets one chart; the lists
// below the charts stay for screen readers and for browsers without JavaScript.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#c8161d", "#e8743b", "#f2b134", "#5b8ff9", "#61ddaa", "#7262fd", "#78d3f8", "#9661bc", "#f6903d", "#008685"];
  var charts = [];

  function pieOption(series) {
    return {
      color: palette,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: series, label: { formatter: "{b}\n{c}" } }]
    };
  }

  function barOption(series) {
    return {
      color: palette,
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: series.map(function (d) { return d.name; }), axisLabel: { interval: 0, rotate: series.length > 5 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: series.map(function (d) { return d.value; }), label: { show: true, position: "top" } }]
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var series = data[element.dataset.series] || [];
    if (!series.length) { element.textContent = "暂无数据"; element.classList.add("chart-empty"); return; }
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(element.dataset.chart === "pie" ? pieOption(series) : barOption(series));
    charts.push(chart);
    var fallback = element.parentElement.querySelector(".chart-fallback");
    if (fallback) { fallback.classList.add("visually-hidden"); }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
