// Scenarios: a form for the scenario document (sections generated from SECTIONS below), YAML
// upload and download, checks shown next to the fields, save and run with progress, results
// as charts, tables and an access-change map, and a comparison of two or more stored runs.
import * as echarts from "/static/vendor/echarts/echarts.esm.min.mjs";
import { api, regionApi, t, num, pct, status, showError, fillTable, makeMap, bbox, addMunicipalities, addPoints, escapeHtml, steps, LANG } from "./common.js";

const YEARS = { min: 2018, max: 2040 };
const SOURCE = () => t("sc.source_line");

/* ------------------------------------------------------------------ the form, as data
 * Each section is one block of the scenario document. A section with `block` can be switched
 * off (the block is then left out, or set to `off`). Fields bind a control to a dotted path of
 * the document; `scale` converts the control's value to the document's (percent sliders hold
 * 0–100 for a share 0–1). Engines that add blocks (choice, pathways, ...) push their own
 * section here with `SECTIONS.push({...})` before `build()` runs; nothing else needs changing.
 */
export const SECTIONS = [
  { id: "basics", legend: "sc.sec_basics", fields: [
    { path: "name", type: "text", label: "sc.f_name", required: true },
    { path: "description", type: "textarea", label: "sc.f_description" },
    { path: "base_year", type: "number", label: "sc.f_base_year", unit: "sc.u_year", min: 2018, max: 2020, step: 1 },
    { path: "target_year", type: "range", label: "sc.f_target_year", unit: "sc.u_year", min: 2021, max: YEARS.max, step: 1 },
  ] },
  { id: "network", legend: "sc.sec_network", block: "network", help: "sc.network_help", fields: [
    { path: "network.service_type", type: "select", label: "sc.f_service", options: "services" },
    { path: "network.year", type: "number", label: "sc.f_network_year", unit: "sc.u_year", min: 2013, max: YEARS.max, step: 1, optional: true },
    { path: "network.close", type: "points", label: "sc.f_close" },
  ] },
  { id: "home_care_shift", legend: "sc.sec_home_care", block: "demand.levers.home_care_shift", help: "sc.home_care_help", fields: [
    { path: "demand.levers.home_care_shift.housing_share", type: "range", label: "sc.f_housing_share", unit: "sc.u_pct_75", min: 0, max: 10, step: 0.1, scale: 0.01, initial: 5.5 },
    { path: "demand.levers.home_care_shift.institutional_share", type: "range", label: "sc.f_institutional_share", unit: "sc.u_pct_75", min: 0, max: 2, step: 0.1, scale: 0.01, initial: 0.2 },
    { path: "demand.levers.home_care_shift.start_year", type: "number", label: "sc.f_start_year", unit: "sc.u_year", min: YEARS.min, max: YEARS.max, initial: 2022 },
    { path: "demand.levers.home_care_shift.target_year", type: "number", label: "sc.f_full_year", unit: "sc.u_year", min: YEARS.min, max: YEARS.max, initial: 2030 },
  ] },
  { id: "remote", legend: "sc.sec_remote", block: "demand.levers.remote", help: "sc.remote_help", fields: [
    { path: "demand.levers.remote.target_share", type: "range", label: "sc.f_remote_share", unit: "sc.u_pct_contacts", min: 0, max: 60, step: 1, scale: 0.01, initial: 30 },
    { path: "demand.levers.remote.staff_time_factor", type: "range", label: "sc.f_staff_time", unit: "sc.u_pct_visit", min: 30, max: 100, step: 5, scale: 0.01, initial: 80 },
    { path: "demand.levers.remote.start_year", type: "number", label: "sc.f_start_year", unit: "sc.u_year", min: YEARS.min, max: YEARS.max, initial: 2021 },
    { path: "demand.levers.remote.target_year", type: "number", label: "sc.f_full_year", unit: "sc.u_year", min: YEARS.min, max: YEARS.max, initial: 2030 },
  ] },
  { id: "prevention", legend: "sc.sec_prevention", block: "demand.levers.prevention", list: true, help: "sc.prevention_help", fields: [
    { path: "demand.levers.prevention.0.change", type: "range", label: "sc.f_prevention_change", unit: "sc.u_pct_use", min: -20, max: 0, step: 1, scale: 0.01, initial: -5 },
    { path: "demand.levers.prevention.0.age_from", type: "number", label: "sc.f_age_from", unit: "sc.u_years_old", min: 0, max: 100, initial: 65 },
    { path: "demand.levers.prevention.0.age_to", type: "number", label: "sc.f_age_to", unit: "sc.u_years_old", min: 0, max: 100, initial: 74 },
    { path: "demand.levers.prevention.0.start_year", type: "number", label: "sc.f_start_year", unit: "sc.u_year", min: YEARS.min, max: YEARS.max, initial: 2025 },
    { path: "demand.levers.prevention.0.full_effect_year", type: "number", label: "sc.f_full_year", unit: "sc.u_year", min: YEARS.min, max: YEARS.max, initial: 2030 },
  ], fixed: { "demand.levers.prevention.0.services": ["primary_care", "specialised_care"] } },
  { id: "heavy_users", legend: "sc.sec_heavy", block: "demand.levers.heavy_users", help: "sc.heavy_help", fields: [
    { path: "demand.levers.heavy_users.reduction", type: "range", label: "sc.f_heavy_reduction", unit: "sc.u_pct_use", min: 0, max: 30, step: 1, scale: 0.01, initial: 10 },
    { path: "demand.levers.heavy_users.start_year", type: "number", label: "sc.f_start_year", unit: "sc.u_year", min: YEARS.min, max: YEARS.max, initial: 2024 },
    { path: "demand.levers.heavy_users.full_effect_year", type: "number", label: "sc.f_full_year", unit: "sc.u_year", min: YEARS.min, max: YEARS.max, initial: 2030 },
  ], fixed: { "demand.levers.heavy_users.services": ["specialised_care"] } },
  { id: "access", legend: "sc.sec_access", block: "access", fields: [
    { path: "access.service_type", type: "select", label: "sc.f_service", options: "services" },
    { path: "access.thresholds", type: "list", label: "sc.f_thresholds", unit: "sc.u_min" },
  ] },
  { id: "organisation", legend: "sc.sec_organisation", block: "organisation", fields: [
    { path: "organisation.model", type: "select", label: "sc.f_model", options: "models" },
  ] },
  { id: "location", legend: "sc.sec_location", block: "location", fields: [
    { path: "location.service_type", type: "select", label: "sc.f_service", options: "services" },
    { path: "location.p", type: "number", label: "sc.f_p", unit: "sc.u_sites", min: 1, max: 80, initial: 30 },
    { path: "location.candidates", type: "select", label: "sc.f_candidates", options: "candidates" },
    { path: "location.weights", type: "select", label: "sc.f_weights", options: "weights" },
  ] },
];

const DEFAULT_DOC = {
  name: "", base_year: 2020, target_year: 2040, demography: { source: "official", projection: "statfin-2019" },
  demand: { calibrate_year: 2016, morbidity: true, levers: {} },
  access: { service_type: "health_station", thresholds: [10, 15, 30] }, organisation: { model: "county-2023" },
};
const OPTIONS = { services: [], models: [], candidates: ["existing", "extended"], weights: ["all", "65+", "75+"] };
const MODEL_NAMES = {};
let loaded = structuredClone(DEFAULT_DOC);   // the document the form edits (unknown fields kept)
let closed = new Set();
let points = null, netMap = null;
const charts = {};

const get = (obj, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
function set(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  keys.slice(0, -1).forEach((k, i) => {
    const nextIsIndex = /^\d+$/.test(keys[i + 1]);
    if (o[k] == null || typeof o[k] !== "object") o[k] = nextIsIndex ? [] : {};
    o = o[k];
  });
  o[keys.at(-1)] = value;
}
const fid = (path) => `f-${path.replace(/[^a-z0-9]+/gi, "-")}`;
const optionLabel = (kind, v) => (kind === "services" ? t(`svc.${v}`) : kind === "models" ? MODEL_NAMES[v] || v : t(`sc.opt_${kind}_${v}`.replace("+", "plus")));

/* ------------------------------------------------------------------ build and bind */
function fieldHtml(f) {
  const id = fid(f.path), unit = f.unit ? t(f.unit) : "";
  const lab = `<label for="${id}">${escapeHtml(t(f.label))}${unit ? ` <span class="unit">(${escapeHtml(unit)})</span>` : ""}</label>`;
  const err = `<p class="field-error" id="${id}-err" role="alert"></p>`;
  const rng = `min="${f.min ?? ""}" max="${f.max ?? ""}" step="${f.step ?? 1}"`;
  if (f.type === "textarea") return `<div class="field">${lab}<textarea id="${id}" rows="2"></textarea>${err}</div>`;
  if (f.type === "select") return `<div class="field">${lab}<select id="${id}"></select>${err}</div>`;
  if (f.type === "range") return `<div class="field">${lab}<div class="range"><input type="range" id="${id}" ${rng} aria-describedby="${id}-out"><output id="${id}-out" for="${id}"></output></div>${err}</div>`;
  if (f.type === "number") return `<div class="field">${lab}<input type="number" id="${id}" ${rng} inputmode="numeric">${err}</div>`;
  if (f.type === "list") return `<div class="field">${lab}<input type="text" id="${id}" inputmode="decimal" aria-describedby="${id}-hint"><span class="note" id="${id}-hint">${escapeHtml(t("sc.list_hint"))}</span>${err}</div>`;
  if (f.type === "points") return `<div class="field"><span class="label" id="${id}-lab">${escapeHtml(t(f.label))}</span>
    <div class="controls"><label for="${id}-pick" class="sr">${escapeHtml(t("sc.pick_point"))}</label><select id="${id}-pick"></select>
    <button type="button" id="${id}-add" class="secondary">${escapeHtml(t("sc.add_close"))}</button></div>
    <ul id="${id}" class="closed-list" aria-labelledby="${id}-lab"></ul><p class="note">${escapeHtml(t("sc.map_pick_help"))}</p>${err}</div>`;
  return `<div class="field">${lab}<input type="text" id="${id}"${f.required ? " required" : ""}>${err}</div>`;
}

function build() {
  const root = document.getElementById("sc-sections");
  root.innerHTML = SECTIONS.map((s) => `<fieldset class="section" id="sec-${s.id}" data-section="${s.id}"><legend>${escapeHtml(t(s.legend))}</legend>
    ${s.block ? `<label class="switch"><input type="checkbox" id="on-${s.id}"> ${escapeHtml(t("sc.include"))}</label>` : ""}
    ${s.help ? `<p class="note">${escapeHtml(t(s.help))}</p>` : ""}
    <div class="fields">${s.fields.map(fieldHtml).join("")}</div></fieldset>`).join("");
  for (const s of SECTIONS) {
    for (const f of s.fields) {
      const el = document.getElementById(fid(f.path));
      if (f.type === "select") for (const v of OPTIONS[f.options]) el.add(new Option(optionLabel(f.options, v), v));
      if (f.type === "range") el.addEventListener("input", () => showRange(f));
    }
    const on = document.getElementById(`on-${s.id}`);
    if (on) on.addEventListener("change", () => toggleSection(s));
  }
  const pick = document.getElementById(fid("network.close") + "-add");
  pick.addEventListener("click", () => { const v = document.getElementById(fid("network.close") + "-pick").value; if (v) { closed.add(v); drawClosed(); } });
  document.getElementById(fid("network.service_type")).addEventListener("change", () => { closed.clear(); drawClosed(); });
}

function showRange(f) {
  const el = document.getElementById(fid(f.path));
  const digits = String(f.step ?? 1).includes(".") ? 1 : 0;
  // years are labels: "2040", never "2 040"
  const shown = f.unit === "sc.u_year" ? String(el.value) : num(Number(el.value), digits);
  document.getElementById(`${fid(f.path)}-out`).textContent = `${shown} ${t(f.unit)}`;
}
function toggleSection(s) {
  const on = document.getElementById(`on-${s.id}`).checked;
  for (const el of document.querySelectorAll(`#sec-${s.id} .fields input, #sec-${s.id} .fields select, #sec-${s.id} .fields textarea, #sec-${s.id} .fields button`)) el.disabled = !on;
  document.getElementById(`sec-${s.id}`).classList.toggle("off", !on);
}

/** Put a scenario document into the form (unknown fields stay in `loaded`). */
function fill(doc) {
  loaded = structuredClone(doc);
  for (const s of SECTIONS) {
    const present = !s.block || (s.list ? (get(doc, s.block) || []).length > 0 : get(doc, s.block) != null);
    const on = document.getElementById(`on-${s.id}`);
    if (on) on.checked = present;
    for (const f of s.fields) {
      const el = document.getElementById(fid(f.path));
      let v = get(doc, f.path);
      if (f.type === "points") { closed = new Set(v || []); continue; }
      if (v == null) v = f.initial != null ? f.initial / 1 : (f.type === "range" ? f.min : "");
      else if (f.scale) v = Math.round((v / f.scale) * 1000) / 1000;
      if (f.type === "list") el.value = (Array.isArray(v) ? v : []).join(", ");
      else if (f.type === "select") { if (v !== "" && [...el.options].some((o) => o.value === String(v))) el.value = String(v); }
      else el.value = String(v);
      if (f.type === "range") showRange(f);
    }
    if (on) toggleSection(s);
  }
  drawClosed();
}

/** The scenario document from the form. */
function collect() {
  const doc = structuredClone(loaded);
  for (const s of SECTIONS) {
    const on = document.getElementById(`on-${s.id}`);
    if (s.block && !on.checked) { set(doc, s.block, s.list ? [] : null); continue; }
    if (s.block && s.list) set(doc, s.block, structuredClone(get(loaded, s.block) || [{}]).slice(0, 1));
    for (const [p, v] of Object.entries(s.fixed || {})) if (get(doc, p) == null) set(doc, p, v);
    for (const f of s.fields) {
      const el = document.getElementById(fid(f.path));
      let v;
      if (f.type === "points") v = [...closed];
      else if (f.type === "list") v = el.value.split(/[,;\s]+/).filter(Boolean).map(Number);
      else if (f.type === "number" || f.type === "range") v = el.value === "" ? null : Number(el.value) * (f.scale ?? 1);
      else v = el.value;
      if (v === null && f.optional) v = null;
      if (f.scale && v != null) v = Math.round(v * 1e6) / 1e6;
      set(doc, f.path, v);
    }
  }
  return doc;
}

/* ------------------------------------------------------------------ network map */
async function setupMap() {
  const [munis, pts] = await Promise.all([regionApi("/municipalities"), regionApi("/service-points")]);
  points = pts;
  netMap = await makeMap("sc-map", bbox(munis));
  addMunicipalities(netMap, munis, "#f4f6f8");
  addPoints(netMap, "sc-points", { type: "FeatureCollection", features: [] },
    ["case", ["==", ["get", "closed"], 1], "#a4161a", "#0b4f8a"], 6);
  netMap.on("click", "sc-points", (e) => {
    if (!document.getElementById("on-network").checked) return;
    const id = e.features[0].properties.id;
    if (closed.has(id)) closed.delete(id); else closed.add(id);
    drawClosed();
  });
  netMap.on("mouseenter", "sc-points", () => { netMap.getCanvas().style.cursor = "pointer"; });
  netMap.on("mouseleave", "sc-points", () => { netMap.getCanvas().style.cursor = ""; });
  document.getElementById("sc-map-legend").innerHTML = `<span style="background:#0b4f8a;border-radius:50%"></span>${escapeHtml(t("sc.legend_open"))}<span style="background:#a4161a;border-radius:50%"></span>${escapeHtml(t("sc.legend_closed"))}`;
  drawClosed();
}

function drawClosed() {
  const type = document.getElementById(fid("network.service_type"))?.value || "health_station";
  const id = fid("network.close");
  const ul = document.getElementById(id);
  if (!ul || !points) return;
  const feats = points.features.filter((f) => f.properties.type === type);
  const nameOf = Object.fromEntries(points.features.map((f) => [f.properties.id, f.properties.name]));
  const pick = document.getElementById(`${id}-pick`);
  pick.innerHTML = "";
  for (const f of [...feats].sort((a, b) => a.properties.name.localeCompare(b.properties.name, "fi"))) if (!closed.has(f.properties.id)) pick.add(new Option(f.properties.name, f.properties.id));
  ul.innerHTML = "";
  for (const pid of closed) {
    const li = document.createElement("li");
    li.innerHTML = `<span>${escapeHtml(nameOf[pid] || pid)}</span> `;
    const b = document.createElement("button");
    b.type = "button"; b.className = "secondary"; b.textContent = t("sc.reopen");
    b.setAttribute("aria-label", `${t("sc.reopen")}: ${nameOf[pid] || pid}`);
    b.disabled = !document.getElementById("on-network").checked;
    b.addEventListener("click", () => { closed.delete(pid); drawClosed(); });
    li.appendChild(b); ul.appendChild(li);
  }
  if (netMap) {
    for (const f of feats) f.properties.closed = closed.has(f.properties.id) ? 1 : 0;
    netMap.getSource("sc-points").setData({ type: "FeatureCollection", features: feats });
  }
  document.getElementById("sc-map").dataset.closed = String(closed.size);
}

/* ------------------------------------------------------------------ check, YAML, run */
function clearErrors() {
  for (const el of document.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}
function showErrors(errors) {
  clearErrors();
  const paths = SECTIONS.flatMap((s) => s.fields.map((f) => f.path));
  for (const e of errors) {
    const field = String(e.field || "").replace(/^scenario\./, "");
    const match = paths.filter((p) => field === p || field.startsWith(`${p}.`)).sort((a, b) => b.length - a.length)[0]
      || paths.filter((p) => p.startsWith(`${field}.`) || p === field)[0];
    const target = match ? document.getElementById(`${fid(match)}-err`) : document.getElementById("sc-doc-errors");
    target.textContent = [target.textContent, e.message].filter(Boolean).join(" ");
    if (match) document.getElementById(fid(match))?.setAttribute("aria-invalid", "true");
  }
}

async function check(body) {
  const resp = await fetch(`/scenarios/builder/check?lang=${LANG}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!resp.ok) { const err = new Error(resp.statusText); err.status = resp.status; throw err; }
  return resp.json();
}

async function validate() {
  const r = await check({ scenario: collect() });
  if (!r.ok) { showErrors(r.errors); status(t("sc.invalid", { n: r.errors.length }), true); return null; }
  clearErrors();
  document.getElementById("sc-output").textContent = r.yaml;
  status(t("sc.valid"));
  return r;
}

async function upload(ev) {
  const file = ev.target.files[0];
  if (!file) return;
  const r = await check({ yaml: await file.text() });
  if (r.scenario) fill(r.scenario);
  if (!r.ok) { showErrors(r.errors); status(t("sc.invalid", { n: r.errors.length }), true); return; }
  clearErrors();
  document.getElementById("sc-output").textContent = r.yaml;
  status(t("sc.loaded", { name: r.scenario.name }));
  document.body.dataset.loaded = r.scenario.name;
}

async function download() {
  const r = await validate();
  if (!r) return;
  const blob = new Blob([r.yaml], { type: "text/yaml" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${r.scenario.name || "scenario"}.yaml`;
  document.body.appendChild(a); a.click(); a.remove();
}

async function saveRun(ev) {
  ev.preventDefault();
  const ok = await validate();
  if (!ok) return;
  const token = document.getElementById("sc-token");
  const headers = token && token.value ? { Authorization: `Bearer ${token.value}` } : {};
  const started = await api("/scenarios", { method: "POST", headers, body: JSON.stringify({ scenario: ok.scenario }) });
  const bar = document.getElementById("sc-progress");
  bar.value = 0;
  const events = new EventSource(started.links.events);
  events.addEventListener("progress", (e) => { const s = JSON.parse(e.data); if (s.total) { bar.max = s.total; bar.value = s.done; } status(`${t("sc.progress")}: ${t(`sc.state_${s.state}`)}`); });
  events.addEventListener("end", async () => {
    events.close();
    try {
      const r = await api(`/jobs/${started.job.id}/result`);
      await showResult(r.result.id);
      status(t("msg.ready"));
    } catch (err) { showError(err); }
    list().catch(() => {});
  });
}

/* ------------------------------------------------------------------ results */
const chart = (id) => (charts[id] ||= echarts.init(document.getElementById(id), null, { renderer: "svg" }));
const change = (a, b) => (a ? 100 * (b / a - 1) : null);

async function showResult(runId) {
  const resp = await fetch(`/scenarios/builder/result/${encodeURIComponent(runId)}?lang=${LANG}`);
  const r = await resp.json();
  document.getElementById("sc-result").hidden = false;
  const [y0, y1] = [String(r.years[0]), String(r.years.at(-1))];
  const labels = r.lines.map((l) => l.label);
  chart("sc-cost-chart").setOption({
    animation: false, title: { text: t("sc.cost_chart_title", { price: r.price_year }), textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis", valueFormatter: (v) => `${num(v, 1)} M€` }, legend: { top: 24, data: [y0, y1] },
    grid: { left: 190, right: 20, top: 60, bottom: 40 },
    xAxis: { type: "value", name: "M€", nameLocation: "middle", nameGap: 26, axisLabel: { formatter: (v) => num(v) } },
    yAxis: { type: "category", data: labels, axisLabel: { width: 180, overflow: "truncate" } },
    series: [y0, y1].map((y, i) => ({ name: y, type: "bar", data: r.lines.map((l) => l.cost_meur[y]), itemStyle: { color: i ? "#d95f02" : "#2c7fb8" } })),
  }, true);
  chart("sc-volume-chart").setOption({
    animation: false, title: { text: t("sc.volume_chart_title", { from: y0, to: y1 }), textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis", valueFormatter: (v) => `${num(v, 1)} %` },
    grid: { left: 190, right: 30, top: 40, bottom: 40 },
    xAxis: { type: "value", name: "%", nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "category", data: labels, axisLabel: { width: 180, overflow: "truncate" } },
    series: [{ type: "bar", data: r.lines.map((l) => change(l.volume[y0], l.volume[y1])), itemStyle: { color: "#41b6c4" } }],
  }, true);
  for (const id of ["sc-cost-src", "sc-volume-src"]) document.getElementById(id).textContent = SOURCE();
  fillTable(document.getElementById("sc-lines"), [
    { key: "label", label: t("sc.col_line") }, { key: "unit", label: t("sc.col_unit") },
    { key: "v0", label: `${t("sc.col_volume")} ${y0}`, num: true, fmt: (v) => num(v) },
    { key: "v1", label: `${t("sc.col_volume")} ${y1}`, num: true, fmt: (v) => num(v) },
    { key: "ch", label: t("sc.col_change_pct"), num: true, fmt: (v) => (v == null ? "–" : `${num(v, 1)} %`) },
    { key: "c1", label: `${t("sc.col_cost")} ${y1} (M€, ${r.price_year})`, num: true, fmt: (v) => num(v, 1) },
  ], r.lines.map((l) => ({ label: l.label, unit: l.unit, v0: l.volume[y0], v1: l.volume[y1], ch: change(l.volume[y0], l.volume[y1]), c1: l.cost_meur[y1] })));
  fillTable(document.getElementById("sc-access-table"), [
    { key: "label", label: t("sc.col_measure") }, { key: "unit", label: t("sc.col_unit") },
    { key: "before", label: t("net.before"), num: true, fmt: (v, row) => (row.unit === "%" ? pct(v) : `${num(v, 1)}`) },
    { key: "after", label: t("net.after"), num: true, fmt: (v, row) => (row.unit === "%" ? pct(v) : `${num(v, 1)}`) },
    { key: "change", label: t("net.change"), num: true, fmt: (v, row) => (row.unit === "%" ? `${num(100 * v, 1)} ${t("sc.u_pp")}` : `${num(v, 1)} min`) },
  ], r.access.map((a) => ({ ...a, change: a.after - a.before })));
  await accessMap(r);
  document.body.dataset.result = r.id;
}

async function accessMap(r) {
  const note = document.getElementById("sc-access-note");
  if (!r.access_by_municipality.length) { note.textContent = t("sc.no_access"); return; }
  const munis = await regionApi("/municipalities");
  const by = Object.fromEntries(r.access_by_municipality.map((m) => [m.code, 100 * m.change]));
  for (const f of munis.features) f.properties.change = by[f.properties.code] ?? null;
  const breaks = [-1000, -20, -10, -5, -1, -0.05, 0.05];
  const colors = ["#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#92c5de"];
  const expr = steps("change", breaks, colors);
  if (!charts.accessMap) {
    charts.accessMap = await makeMap("sc-access-map", bbox(munis));
    addMunicipalities(charts.accessMap, munis, expr);
  } else charts.accessMap.getSource("munis").setData(munis);
  const labels = [t("sc.lg_lt", { v: -20 }), "−20…−10", "−10…−5", "−5…−1", "−1…0", t("sc.lg_none"), t("sc.lg_gain")];
  document.getElementById("sc-access-legend").innerHTML = `<strong>${escapeHtml(t("sc.access_legend", { min: num(r.access_threshold) }))}</strong> ` +
    colors.map((c, i) => `<span style="background:${c}"></span>${escapeHtml(labels[i])}`).join("");
  note.textContent = `${t(`svc.${r.access_service}`)} · ${SOURCE()}`;
}

/* ------------------------------------------------------------------ stored runs, compare */
async function list() {
  const ul = document.getElementById("sc-list"), box = document.getElementById("sc-compare-runs");
  ul.innerHTML = ""; box.innerHTML = "";
  try {
    const runs = await api("/scenarios");
    if (!runs.length) ul.insertAdjacentHTML("beforeend", `<li>${escapeHtml(t("sc.no_runs"))}</li>`);
    runs.forEach((r, i) => {
      const when = String(r.created_at ?? "").slice(0, 16).replace("T", " ");
      const li = document.createElement("li");
      li.innerHTML = `<strong>${escapeHtml(r.name)}</strong> · ${escapeHtml(when)} · <a href="/report.pdf?run=${encodeURIComponent(r.id)}&lang=${LANG}" download>${escapeHtml(t("report.download"))}</a> `;
      const show = document.createElement("button");
      show.type = "button"; show.className = "secondary"; show.textContent = t("sc.show_result");
      show.setAttribute("aria-label", `${t("sc.show_result")}: ${r.name}`);
      show.addEventListener("click", () => showResult(r.id).catch(showError));
      li.appendChild(show); ul.appendChild(li);
      box.insertAdjacentHTML("beforeend", `<label><input type="checkbox" name="cmp" value="${escapeHtml(r.id)}"${i < 2 ? " checked" : ""}> ${escapeHtml(r.name)} <span class="note">${escapeHtml(when)}</span></label>`);
    });
  } catch (err) {
    ul.insertAdjacentHTML("beforeend", `<li>${escapeHtml(err.status === 501 ? t("msg.not_available") : t("err.server", { status: err.status ?? "" }))}</li>`);
  }
}

async function compareRuns(ev) {
  ev.preventDefault();
  const ids = [...document.querySelectorAll("input[name=cmp]:checked")].map((x) => x.value);
  if (ids.length < 2) { status(t("sc.pick_two"), true); return; }
  status(t("msg.computing"));
  const results = await Promise.all(ids.map((id) => fetch(`/scenarios/builder/result/${encodeURIComponent(id)}?lang=${LANG}`).then((r) => r.json())));
  const cmps = await Promise.all(ids.slice(1).map((id) => api("/scenarios/compare", { method: "POST", body: JSON.stringify({ models: [ids[0], id] }) })));
  document.getElementById("sc-compare-out").hidden = false;
  const names = results.map((r) => r.name);
  const years = cmps[0].cost.map((c) => c.year);
  const costSeries = [{ name: names[0], data: cmps[0].cost.map((c) => c.cost_eur_a / 1e6) }, ...cmps.map((c, i) => ({ name: names[i + 1], data: c.cost.map((x) => x.cost_eur_b / 1e6) }))];
  chart("sc-cmp-cost").setOption({
    animation: false, title: { text: t("sc.cmp_cost_title", { price: cmps[0].meta.price_year }), textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis", valueFormatter: (v) => `${num(v, 1)} M€` }, legend: { top: 24 },
    grid: { left: 70, right: 20, top: 60, bottom: 40 },
    xAxis: { type: "category", data: years.map(String) }, yAxis: { type: "value", name: "M€", scale: true, axisLabel: { formatter: (v) => num(v) } },
    series: costSeries.map((s) => ({ ...s, type: "line" })),
  }, true);
  const y1 = String(results[0].years.at(-1));
  chart("sc-cmp-volume").setOption({
    animation: false, title: { text: t("sc.cmp_volume_title", { year: y1 }), textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis", valueFormatter: (v) => `${num(v, 1)} M€` }, legend: { top: 24 },
    grid: { left: 190, right: 20, top: 60, bottom: 40 },
    xAxis: { type: "value", name: "M€", nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "category", data: results[0].lines.map((l) => l.label), axisLabel: { width: 180, overflow: "truncate" } },
    series: results.map((r) => ({ name: r.name, type: "bar", data: results[0].lines.map((l) => r.lines.find((x) => x.id === l.id)?.cost_meur[y1] ?? null) })),
  }, true);
  for (const id of ["sc-cmp-cost-src", "sc-cmp-volume-src"]) document.getElementById(id).textContent = SOURCE();
  // cost table: one row per year, one column per run (M€ and € per resident)
  const rows = years.map((y, k) => {
    const row = { year: String(y) };
    results.forEach((r, i) => { const c = i === 0 ? cmps[0].cost[k] : cmps[i - 1].cost[k]; row[`c${i}`] = (i === 0 ? c.cost_eur_a : c.cost_eur_b) / 1e6; row[`p${i}`] = i === 0 ? c.per_resident_a : c.per_resident_b; });
    return row;
  });
  fillTable(document.getElementById("sc-cost"), [{ key: "year", label: t("demo.year") },
    ...results.flatMap((r, i) => [{ key: `c${i}`, label: `${r.name}: ${t("sc.col_cost")} (M€)`, num: true, fmt: (v) => num(v, 1) },
      { key: `p${i}`, label: `${r.name}: ${t("sc.col_per_resident")} (€)`, num: true, fmt: (v) => num(v) }])], rows);
  // access: labelled measures, one column per run; explained when a run has none
  const withAccess = results.filter((r) => r.access.length);
  const empty = results.filter((r) => !r.access.length).map((r) => r.name);
  const measures = withAccess.length ? withAccess[0].access : [];
  fillTable(document.getElementById("sc-access"), [{ key: "label", label: t("sc.col_measure") }, { key: "unit", label: t("sc.col_unit") },
    ...withAccess.map((r, i) => ({ key: `a${i}`, label: r.name, num: true, fmt: (v, row) => (v == null ? "–" : row.unit === "%" ? pct(v) : num(v, 1)) }))],
  measures.map((m) => Object.fromEntries([["label", m.label], ["unit", m.unit], ...withAccess.map((r, i) => [`a${i}`, r.access.find((x) => x.key === m.key)?.after])])));
  document.getElementById("sc-access-empty").textContent = empty.length ? t("sc.access_missing", { runs: empty.join(", ") }) : "";
  status(t("msg.ready"));
  document.body.dataset.compared = String(ids.length);
}

/* ------------------------------------------------------------------ start */
async function main() {
  const [services, models] = await Promise.all([regionApi("/access/services"), regionApi("/organisation-models")]);
  OPTIONS.services = services;
  OPTIONS.models = models.map((m) => m.id).filter(Boolean);
  for (const m of models) MODEL_NAMES[m.id] = (LANG === "en" ? m.name_en : m.name_fi) || m.id;
  build();
  fill(DEFAULT_DOC);
  document.getElementById("sc-upload").addEventListener("change", (e) => upload(e).catch(showError));
  document.getElementById("sc-download").addEventListener("click", () => download().catch(showError));
  document.getElementById("sc-validate").addEventListener("click", () => validate().catch(showError));
  document.getElementById("sc-form").addEventListener("submit", (e) => saveRun(e).catch(showError));
  document.getElementById("sc-compare-form").addEventListener("submit", (e) => compareRuns(e).catch(showError));
  await Promise.all([setupMap(), list()]);
  document.body.dataset.ready = "1";
}
main().catch(showError);
