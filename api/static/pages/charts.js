// Supply-and-demand charts drawn from the page's own JSON (the tables below hold the same data).
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  document.documentElement.classList.add("js");
  var data = JSON.parse(source.textContent);
  var font = '"Noto Sans CJK SC", "Noto Sans SC", sans-serif';
  var charts = [];
  var occ = document.getElementById("chart-occupations");
  if (occ && data.occupations.length) {
    var bar = echarts.init(occ, null, { renderer: "svg" });
    bar.setOption({
      textStyle: { fontFamily: font },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: data.occupations, axisLabel: { width: 110, overflow: "truncate" } },
      series: [
        { name: "订单需求", type: "bar", data: data.demand },
        { name: "意向劳动者", type: "bar", data: data.interested },
        { name: "剩余名额", type: "bar", data: data.seats }
      ]
    });
    occ.dataset.rendered = "true";
    charts.push(bar);
  }
  var flows = document.getElementById("chart-flows");
  if (flows && data.flows.length) {
    var names = {};
    data.flows.forEach(function (f) { names[f.source] = 1; names[f.target] = 1; });
    var sankey = echarts.init(flows, null, { renderer: "svg" });
    sankey.setOption({
      textStyle: { fontFamily: font },
      tooltip: { trigger: "item" },
      series: [{
        type: "sankey", left: 8, right: 160, top: 8, bottom: 8, nodeGap: 6,
        data: Object.keys(names).map(function (n) { return { name: n }; }),
        links: data.flows, label: { fontSize: 12 }, emphasis: { focus: "adjacency" }
      }]
    });
    flows.dataset.rendered = "true";
    charts.push(sankey);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
