// Service network: travel-time map, coverage table, close a station and see who loses.
import { regionApi, t, num, pct, status, showError, makeMap, bbox, addMunicipalities, addPoints, popupOn, escapeHtml, fillTable, steps } from "./common.js";

const closed = new Set();
let names = {};
let map = null;
let facilities = null;
let service = "health_station";

function areaName(r) { return r.level === "region" ? t("net.region_total") : `${names[r.area] ?? r.area} (${r.area})`; }

function renderCoverage(cov) {
  names = { ...cov.names, ...names };
  const rows = cov.coverage.filter((r) => r.band === "all");
  fillTable(document.getElementById("coverage-table"), [
    { key: "area", label: t("col.area"), fmt: (_, r) => areaName(r) },
    { key: "population", label: t("col.population"), num: true, fmt: (v) => num(v) },
    { key: "share_15", label: t("net.within", { m: 15 }), num: true, fmt: (v) => pct(v) },
    { key: "share_30", label: t("net.within", { m: 30 }), num: true, fmt: (v) => pct(v) },
    { key: "share_45", label: t("net.within", { m: 45 }), num: true, fmt: (v) => pct(v) },
  ], rows);
  document.getElementById("closed-note").textContent = t("net.baseline");
  fillTable(document.getElementById("losers-table"), [{ key: "x", label: t("net.none_closed") }], []);
}

function renderWhatIf(w) {
  names = { ...w.names, ...names };
  const pick = (m) => w.delta.filter((r) => r.band === "all" && r.measure === m);
  const by = {};
  for (const m of ["coverage.share_15", "coverage.share_30", "nearest_min.mean"]) {
    for (const r of pick(m)) { const k = `${r.level}|${r.area}`; by[k] = by[k] || { level: r.level, area: r.area }; by[k][m] = r; }
  }
  const rows = Object.values(by).sort((a, b) => (a.level === "region" ? -1 : b.level === "region" ? 1 : a.area.localeCompare(b.area)));
  const cls = (v) => (v < -1e-9 ? "down" : v > 1e-9 ? "up" : "");
  const clsT = (v) => (v > 1e-9 ? "down" : v < -1e-9 ? "up" : "");
  fillTable(document.getElementById("coverage-table"), [
    { key: "area", label: t("col.area"), fmt: (_, r) => areaName(r) },
    { key: "b15", label: `${t("net.within", { m: 15 })} ${t("net.before")}`, num: true, fmt: (_, r) => pct(r["coverage.share_15"]?.before) },
    { key: "a15", label: t("net.after"), num: true, fmt: (_, r) => pct(r["coverage.share_15"]?.after) },
    { key: "c15", label: t("net.change"), num: true, fmt: (_, r) => pct(r["coverage.share_15"]?.change), cls: (_, r) => cls(r["coverage.share_15"]?.change) },
    { key: "b30", label: `${t("net.within", { m: 30 })} ${t("net.before")}`, num: true, fmt: (_, r) => pct(r["coverage.share_30"]?.before) },
    { key: "a30", label: t("net.after"), num: true, fmt: (_, r) => pct(r["coverage.share_30"]?.after) },
    { key: "c30", label: t("net.change"), num: true, fmt: (_, r) => pct(r["coverage.share_30"]?.change), cls: (_, r) => cls(r["coverage.share_30"]?.change) },
    { key: "mt", label: t("net.mean_time_change"), num: true, fmt: (_, r) => num(r["nearest_min.mean"]?.change, 1), cls: (_, r) => clsT(r["nearest_min.mean"]?.change) },
  ], rows);
  const lost = w.meta.losers_population ?? 0;
  document.getElementById("closed-note").textContent = t("net.closed_note", { n: w.closed.length, people: num(lost) });
  fillTable(document.getElementById("losers-table"), [
    { key: "origin", label: t("col.postcode") },
    { key: "municipality", label: t("col.municipality"), fmt: (v) => names[v] ?? v },
    { key: "pop_all", label: t("col.population"), num: true, fmt: (v) => num(v) },
    { key: "before_min", label: t("net.before_min"), num: true, fmt: (v) => num(v, 1) },
    { key: "after_min", label: t("net.after_min"), num: true, fmt: (v) => num(v, 1) },
    { key: "change_min", label: t("net.change_min"), num: true, fmt: (v) => num(v, 1) },
  ], w.losers.slice(0, 30));
}

/** Which year's service list the page shows (and whether it is older than asked). */
function networkYear(net) {
  if (!net || net.network_year === null || net.network_year === undefined) return "";
  const last = net.last_data_year ?? net.network_year;
  const base = t("net.network_year", { year: net.network_year, last });
  return net.beyond_data ? `${base} ${t("net.network_beyond", { asked: net.requested_year, last })}` : base;
}

function renderStations() {
  const ul = document.getElementById("stations");
  ul.innerHTML = "";
  for (const f of facilities.features) {
    const id = f.properties.id;
    const li = document.createElement("li");
    li.classList.toggle("closed", closed.has(id));
    const span = document.createElement("span");
    span.textContent = f.properties.name;
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = closed.has(id) ? "secondary" : "";
    btn.dataset.id = id;
    btn.textContent = closed.has(id) ? t("net.reopen") : t("net.close");
    btn.setAttribute("aria-pressed", closed.has(id) ? "true" : "false");
    btn.setAttribute("aria-label", `${btn.textContent}: ${f.properties.name}`);
    btn.addEventListener("click", () => toggle(id));
    li.append(span, btn);
    ul.appendChild(li);
  }
  if (map) map.setFilter("closed", ["in", ["get", "id"], ["literal", [...closed]]]);
}

async function update() {
  renderStations();
  status(t("msg.computing"));
  if (closed.size === 0) {
    const cov = await regionApi(`/access/coverage?service=${service}`);
    renderCoverage(cov);
    map.getSource("origins").setData(cov.origins);
  } else {
    const w = await regionApi("/access/what-if", { method: "POST", body: JSON.stringify({ service, close: [...closed] }) });
    renderWhatIf(w);
    map.getSource("origins").setData(w.origins);
  }
  status(t("msg.ready"));
  document.body.dataset.closed = String(closed.size);
}

function toggle(id) {
  if (closed.has(id)) closed.delete(id); else closed.add(id);
  update().catch(showError);
}

async function load() {
  status(t("msg.loading"));
  const cov = await regionApi(`/access/coverage?service=${service}`);
  facilities = cov.facilities;
  facilities.features.sort((a, b) => a.properties.name.localeCompare(b.properties.name, "fi"));
  renderCoverage(cov);
  document.getElementById("approx").textContent = `${t("msg.approximation")}: ${cov.meta.approximation ?? ""}`;
  document.getElementById("network-year").textContent = networkYear(cov.meta.network);
  if (!map) {
    const munis = await regionApi("/municipalities");
    names = { ...names, ...Object.fromEntries(munis.features.map((f) => [f.properties.code, f.properties.name_fi])) };
    map = await makeMap("map", bbox(munis));
    addMunicipalities(map, munis, "#f4f6f8");
    map.addSource("origins", { type: "geojson", data: cov.origins });
    map.addLayer({ id: "origins", type: "circle", source: "origins", paint: {
      "circle-radius": 4, "circle-opacity": 0.9,
      "circle-color": steps("nearest_min", [0, 10, 15, 30, 45], ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"]) } });
    addPoints(map, "facilities", facilities, "#0b4f8a", 7);
    const labels = ["0–10", "10–15", "15–30", "30–45", "45+"];
    const colors = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"];
    document.getElementById("tt-legend").innerHTML = `${t("net.legend")}: ` +
      labels.map((l, i) => `<span style="background:${colors[i]}"></span>${l} min`).join("");
    map.addLayer({ id: "closed", type: "circle", source: "facilities", filter: ["in", ["get", "id"], ["literal", []]],
      paint: { "circle-color": "#a4161a", "circle-radius": 8, "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
    map.on("click", "facilities", (e) => toggle(e.features[0].properties.id));
    map.on("mouseenter", "facilities", () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", "facilities", () => { map.getCanvas().style.cursor = ""; });
    popupOn(map, "origins", (p) => `${t("col.postcode")} ${escapeHtml(p.id)}: ${num(p.nearest_min, 1)} min`);
  } else {
    map.getSource("origins").setData(cov.origins);
    map.getSource("facilities").setData(facilities);
  }
  renderStations();
  status(t("msg.ready"));
  document.body.dataset.ready = "1";
}

async function main() {
  const sel = document.getElementById("service");
  const types = await regionApi("/access/services");
  for (const ty of types) {
    const o = document.createElement("option");
    o.value = ty; o.textContent = t(`svc.${ty}`); o.selected = ty === service;
    sel.appendChild(o);
  }
  sel.addEventListener("change", () => { service = sel.value; closed.clear(); load().catch(showError); });
  document.getElementById("reset").addEventListener("click", () => { closed.clear(); update().catch(showError); });
  await load();
}
main().catch(showError);
