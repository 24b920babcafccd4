// Freedom of choice: catchment probability of a station, list sizes before/after a new station.
import * as echarts from "/static/vendor/echarts/echarts.esm.min.mjs";
import { regionApi, t, num, status, showError, makeMap, bbox, addMunicipalities, popupOn, escapeHtml, fillTable } from "./common.js";

const entries = [];
let map = null, chart = null, data = null, station = "hs-179-keskusta";
const COLORS = ["#f7f4f9", "#d4b9da", "#df65b0", "#ce1256", "#67001f"];
const BREAKS = [0, 0.1, 0.3, 0.5, 0.7];

function colourOrigins() {
  const p = data.probability[station] || [];
  data.origins.features.forEach((f, i) => { f.properties.prob = p[i] ?? 0; });
  map.getSource("origins").setData(data.origins);
}

function render() {
  const rows = data.rows;
  const after = data.whatif !== undefined;
  const label = (r) => r.name || r.id;
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 150, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: rows.map(label), axisLabel: { width: 140, overflow: "truncate" } },
    series: [
      { name: t("choice.today"), type: "bar", data: rows.map((r) => r.list_today ?? 0) },
      { name: t("choice.free"), type: "bar", data: rows.map((r) => r.list_choice ?? 0) },
      ...(after ? [{ name: t("choice.after"), type: "bar", data: rows.map((r) => r.list_whatif ?? 0) }] : []),
    ],
  }, true);
  const cols = [
    { key: "name", label: t("choice.col_station"), fmt: (_, r) => label(r) },
    { key: "list_today", label: t("choice.col_today"), num: true, fmt: (v) => num(v) },
    { key: "list_choice", label: t("choice.col_choice"), num: true, fmt: (v) => num(v) },
    { key: "change", label: t("choice.col_change"), num: true, fmt: (v) => num(v) },
  ];
  if (after) {
    cols.push({ key: "list_whatif", label: t("choice.col_after"), num: true, fmt: (v) => num(v) });
    cols.push({ key: "change_whatif", label: t("choice.col_after_change"), num: true, fmt: (v) => num(v) });
  }
  fillTable(document.getElementById("choice-table"), cols, rows);
  document.getElementById("summary").textContent = t("choice.summary", {
    choosers: num(data.meta.choosers), switchers: num(data.switchers),
    before: num(data.mean_minutes_today, 1), after: num(data.mean_minutes_choice, 1) });
  document.getElementById("whatif").textContent = after ? t("choice.whatif", {
    switchers: num(data.whatif.switchers), before: num(data.whatif.mean_minutes_before, 1),
    after: num(data.whatif.mean_minutes_after, 1) }) : "";
  const sel = document.getElementById("station");
  const ids = data.stations.features.map((f) => f.properties.id);
  sel.innerHTML = "";
  for (const f of data.stations.features) sel.add(new Option(f.properties.name, f.properties.id, false, f.properties.id === station));
  if (!ids.includes(station)) station = ids[0];
}

async function update() {
  status(t("msg.computing"));
  const body = { pilot: "jyvaskyla-2017", enter: entries.map((e) => ({ name: t("choice.entrant"), lon: e[0], lat: e[1] })) };
  data = await regionApi("/choice", { method: "POST", body: JSON.stringify(body) });
  if (!map) {
    map = await makeMap("map", bbox(data.origins));
    const munis = await regionApi("/municipalities");
    addMunicipalities(map, munis, "#f4f6f8");
    map.addSource("origins", { type: "geojson", data: data.origins });
    const expr = ["step", ["get", "prob"], COLORS[0], BREAKS[1], COLORS[1], BREAKS[2], COLORS[2], BREAKS[3], COLORS[3], BREAKS[4], COLORS[4]];
    map.addLayer({ id: "origins", type: "circle", source: "origins", paint: {
      "circle-radius": 7, "circle-color": expr, "circle-stroke-color": "#555", "circle-stroke-width": 0.5 } });
    map.addSource("stations", { type: "geojson", data: data.stations });
    map.addLayer({ id: "stations", type: "circle", source: "stations", paint: {
      "circle-radius": 6, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5,
      "circle-color": ["match", ["get", "role"], "pilot", "#0b4f8a", "entrant", "#e07a00", "#444444"] } });
    popupOn(map, "origins", (p) => `${escapeHtml(p.id)}: ${num(100 * p.prob, 0)} %`);
    popupOn(map, "stations", (p) => escapeHtml(p.name));
    map.on("click", (e) => {
      if (map.queryRenderedFeatures(e.point, { layers: ["stations", "origins"] }).length) return;
      entries.push([e.lngLat.lng, e.lngLat.lat]);
      update().catch(showError);
    });
    const labels = ["0–10", "10–30", "30–50", "50–70", "70–100"];
    document.getElementById("prob-legend").innerHTML = `${escapeHtml(t("choice.legend"))}: ` +
      labels.map((l, i) => `<span style="background:${COLORS[i]}"></span>${l} %`).join("");
    chart = echarts.init(document.getElementById("bars"), null, { renderer: "svg" });
  } else {
    map.getSource("stations").setData(data.stations);
  }
  render();
  colourOrigins();
  status(t("msg.ready"));
  document.body.dataset.ready = "1";
  document.body.dataset.entries = String(entries.length);
}

document.getElementById("station").addEventListener("change", (e) => { station = e.target.value; colourOrigins(); });
document.getElementById("reset").addEventListener("click", () => { entries.length = 0; update().catch(showError); });
update().catch(showError);
