// Demography: population pyramid, dependency ratio map by year, working-age index chart.
import * as echarts from "/static/vendor/echarts/echarts.esm.min.mjs";
import { regionApi, t, num, status, showError, makeMap, bbox, addMunicipalities, popupOn, escapeHtml, fillTable, steps } from "./common.js";

const YEARS = [2009, 2020, 2030, 2040];
// YlGnBu, 8 classes; the class limits are fitted to the range of all years shown (one scale,
// so that years can be compared: 2040 runs to about 145 dependants per 100).
const COLORS = ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"];

/** Class limits: a round step (5, 10, 20, ...) so that at most COLORS.length classes span the values. */
export function fittedBreaks(values, n = COLORS.length) {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return [0];
  const lo = Math.min(...v), hi = Math.max(...v);
  let step = 5;
  for (const s of [5, 10, 20, 25, 50, 100]) { step = s; if (Math.ceil((hi - Math.floor(lo / s) * s) / s) <= n) break; }
  const start = Math.floor(lo / step) * step;
  const out = [];
  for (let b = start; b < hi || out.length === 0; b += step) out.push(b);
  return out;
}
let pyramidChart, waiChart;

async function drawPyramid() {
  const year = document.getElementById("pyr-year").value;
  const muni = document.getElementById("pyr-muni").value;
  const d = await regionApi(`/demography/pyramid?year=${year}${muni ? `&municipality=${muni}` : ""}`);
  pyramidChart.setOption({
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => num(Math.abs(v)) },
    legend: { top: 0, data: [t("demo.men"), t("demo.women")] },
    grid: { left: 60, right: 20, top: 40, bottom: 44 },
    xAxis: { type: "value", name: t("demo.persons_axis"), nameLocation: "middle", nameGap: 24, axisLabel: { formatter: (v) => num(Math.abs(v)) } },
    yAxis: { type: "category", data: d.groups },
    series: [
      { name: t("demo.men"), type: "bar", stack: "p", data: d.male.map((v) => -v), itemStyle: { color: "#2c7fb8" } },
      { name: t("demo.women"), type: "bar", stack: "p", data: d.female, itemStyle: { color: "#d95f02" } },
    ],
  }, true);
  document.getElementById("pyramid").dataset.total = String(d.male.reduce((a, b) => a + b, 0) + d.female.reduce((a, b) => a + b, 0));
}

async function drawWai() {
  const d = await regionApi("/demography/working-age-index");
  const obs = d.observed.map((r) => [r.year, r.index]);
  const proj = (d.projected || []).map((r) => [r.year, r.index]);
  waiChart.setOption({
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: (v) => num(v, 1) },
    legend: { top: 0, right: 10, data: [t("demo.observed"), t("demo.projected")] },
    grid: { left: 50, right: 20, top: 50, bottom: 30 },
    xAxis: { type: "value", min: "dataMin", max: "dataMax", axisLabel: { formatter: (v) => String(v) } },
    yAxis: { type: "value", name: t("demo.index_base", { year: d.base_year }), scale: true },
    series: [
      { name: t("demo.observed"), type: "line", showSymbol: false, data: obs, lineStyle: { color: "#253494" }, itemStyle: { color: "#253494" } },
      { name: t("demo.projected"), type: "line", showSymbol: false, data: proj, lineStyle: { type: "dashed", color: "#d95f02" }, itemStyle: { color: "#d95f02" } },
    ],
  });
  document.getElementById("wai").dataset.points = String(obs.length + proj.length);
}

async function main() {
  status(t("msg.loading"));
  const summary = await regionApi("");
  const ysel = document.getElementById("pyr-year");
  for (const y of summary.age_sex_years) { const o = new Option(String(y), String(y)); ysel.add(o); }
  ysel.value = String(summary.age_sex_years.at(-1));
  const munis = await regionApi("/municipalities");
  const msel = document.getElementById("pyr-muni");
  for (const f of [...munis.features].sort((a, b) => a.properties.name_fi.localeCompare(b.properties.name_fi, "fi"))) {
    msel.add(new Option(f.properties.name_fi, f.properties.code));
  }
  pyramidChart = echarts.init(document.getElementById("pyramid"), null, { renderer: "svg" });
  waiChart = echarts.init(document.getElementById("wai"), null, { renderer: "svg" });
  ysel.addEventListener("change", () => drawPyramid().catch(showError));
  msel.addEventListener("change", () => drawPyramid().catch(showError));
  await drawPyramid();
  drawWai().catch(showError);

  const dr = await regionApi(`/demography/dependency-ratio?${YEARS.map((y) => `years=${y}`).join("&")}`);
  const names = Object.fromEntries(munis.features.map((f) => [f.properties.code, f.properties.name_fi]));
  const byYear = {};
  for (const r of dr.by_municipality) (byYear[r.year] = byYear[r.year] || {})[r.municipality] = r.dependency_ratio;
  const BREAKS = fittedBreaks(dr.by_municipality.map((r) => r.dependency_ratio));
  // spread the classes over the whole palette, light to dark, however many there are
  const CLS = BREAKS.map((_, i) => COLORS[Math.round((i * (COLORS.length - 1)) / Math.max(1, BREAKS.length - 1))]);
  const map = await makeMap("map", bbox(munis));
  addMunicipalities(map, munis, steps("ratio", BREAKS, CLS));
  popupOn(map, "munis-fill", (p) => `<strong>${escapeHtml(p.name_fi)}</strong><br>${t("demo.dependency")}: ${num(p.ratio, 1)}`);
  const group = document.getElementById("dr-years");
  const show = (year) => {
    for (const f of munis.features) f.properties.ratio = byYear[year]?.[f.properties.code] ?? null;
    map.getSource("munis").setData(munis);
    for (const b of group.querySelectorAll("button")) b.setAttribute("aria-checked", b.dataset.year === String(year) ? "true" : "false");
    for (const b of group.querySelectorAll("button")) b.className = b.dataset.year === String(year) ? "" : "secondary";
    const rows = Object.entries(byYear[year] || {}).map(([code, v]) => ({ code, name: names[code], v })).sort((a, b) => b.v - a.v);
    fillTable(document.getElementById("dr-table"), [
      { key: "name", label: t("col.municipality") }, { key: "v", label: `${t("demo.dependency")} ${year}`, num: true, fmt: (v) => num(v, 1) }], rows);
    const [kind, name] = (dr.source[year] || "").split(" ");
    document.getElementById("dr-note").textContent = `${year}: ${t("demo.source_" + kind)}${kind === "projection" && name ? ` (${name})` : ""}`;
    document.getElementById("map").dataset.year = String(year);
  };
  for (const y of YEARS) {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = String(y); b.dataset.year = String(y); b.setAttribute("role", "radio");
    if (!dr.years.includes(y)) { b.disabled = true; b.title = t("demo.no_data_year"); b.textContent += ` (${t("demo.no_data")})`; }
    b.addEventListener("click", () => show(y));
    group.appendChild(b);
  }
  document.getElementById("dr-legend").innerHTML = `<strong>${t("demo.legend_unit")}</strong> ` + BREAKS.map((v, i) => `<span style="background:${CLS[i]}"></span>${v}${i === BREAKS.length - 1 ? "+" : "–" + BREAKS[i + 1]}`).join("") + ` <span style="background:#cccccc"></span>${t("demo.no_data")}`;
  document.getElementById("dr-legend").dataset.max = String(BREAKS.at(-1));
  for (const id of ["pyr-src", "wai-src", "dr-src"]) document.getElementById(id).textContent = t("src.demography");
  show(dr.years.includes(2020) ? 2020 : dr.years[0]);
  status(dr.missing_years.length ? t("demo.missing_years", { years: dr.missing_years.join(", ") }) : t("msg.ready"));
  document.body.dataset.ready = "1";
}
main().catch(showError);
