// Compliance dashboard charts from the JSON the page embeds (json_script "orglife-chart-data"):
// the share of branches meeting every rule, month by month, and a heat map of the direct
// sub-organizations (or the branch itself) by month. The tables above carry the same figures.
(function () {
  "use strict";
  var source = document.getElementById("orglife-chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  function percent(value) { return value === null ? null : Math.round(value * 1000) / 10; }

  var shareElement = document.querySelector("[data-orglife-chart=share]");
  if (shareElement) {
    if (!data.months.length) { shareElement.textContent = "暂无数据"; shareElement.classList.add("chart-empty"); }
    else {
      var share = echarts.init(shareElement, null, { renderer: "svg" });
      share.setOption({
        color: ["#c8161d"],
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: [{ type: "bar", name: "全部达标占比", data: data.share.map(percent), label: { show: true, position: "top", formatter: "{c}%" } }]
      });
      charts.push(share);
    }
  }

  var heatElement = document.querySelector("[data-orglife-chart=heat]");
  if (heatElement) {
    if (!data.heat.length) { heatElement.textContent = "暂无数据"; heatElement.classList.add("chart-empty"); }
    else {
      heatElement.style.height = Math.max(160, 40 + data.rows.length * 28) + "px";
      var heat = echarts.init(heatElement, null, { renderer: "svg" });
      heat.setOption({
        tooltip: {
          formatter: function (p) {
            return data.rows[p.value[1]].name + " " + data.months[p.value[0]] + "：达标" + percent(p.value[2]) + "%";
          }
        },
        grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
        xAxis: { type: "category", data: data.months, splitArea: { show: true } },
        yAxis: { type: "category", data: data.rows.map(function (r) { return r.name; }), inverse: true, splitArea: { show: true } },
        visualMap: { min: 0, max: 1, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120,
                     text: ["全部达标", "未达标"], inRange: { color: ["#f8d7da", "#fff3cd", "#d1e7dd", "#198754"] } },
        series: [{ type: "heatmap", data: data.heat, label: { show: data.rows.length <= 12, formatter: function (p) { return percent(p.value[2]) + "%"; }, fontSize: 10 } }]
      });
      charts.push(heat);
      heat.on("click", function (p) { window.location.href = "../" + encodeURIComponent(data.rows[p.value[1]].code) + "/"; });
    }
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
