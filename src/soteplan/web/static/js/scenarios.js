// Scenarios: a form for the scenario document (sections generated from SECTIONS below), YAML
// upload and download, checks shown next to the fields, save and run with progress, results
// as charts, tables and an access-change map, and a comparison of two or more stored runs.
import * as echarts from "/static/vendor/echarts/echarts.esm.min.mjs";
import { api, regionApi, t, num, pct, status, showError, fillTable, makeMap, bbox, addMunicipalities, addPoints, escapeHtml, steps, LANG } from "./common.js";

const YEARS = { min: 2018, max: 2040 };
const COLORS = { open: "#0b4f8a", closed: "#a4161a", opened: "#e07a00", candidate: "#8a8a8a" };
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
  { id: "demography", legend: "sc.sec_demography", help: "sc.demography_help", fields: [
    { path: "demography.source", type: "select", label: "sc.f_demo_source", options: "sources" },
    { path: "demography.projection", type: "select", label: "sc.f_projection", options: "projections" },
    // read only by the cohort model: the control is off while the official projection is used
    { path: "demography.calibrate_to_official", type: "checkbox", label: "sc.f_calibrate", initial: true, when: ["demography.source", "cohort"] },
  ] },
  { id: "network", legend: "sc.sec_network", block: "network", help: "sc.network_help", fields: [
    { path: "network.service_type", type: "select", label: "sc.f_service", options: "services" },
    { path: "network.year", type: "number", label: "sc.f_network_year", unit: "sc.u_year", min: 2013, max: YEARS.max, step: 1, optional: true },
    { path: "network.close", type: "points", label: "sc.f_close" },
    { path: "network.open", type: "newpoints", label: "sc.f_open" },
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
  { id: "choice", legend: "sc.sec_choice", block: "choice", help: "sc.choice_help", fields: [
    { path: "choice.pilot", type: "select", label: "sc.f_pilot", options: "pilots", nullable: true, initial: "jyvaskyla-2017" },
    // a pilot names its own residents: the municipalities are read only without one
    { path: "choice.municipalities", type: "multi", label: "sc.f_choice_munis", options: "municipalities", when: ["choice.pilot", ""], initial: ["179"] },
    { path: "choice.decay", type: "select", label: "sc.f_decay", options: "decay" },
    { path: "choice.beta", type: "number", label: "sc.f_beta", unit: "sc.u_per_min", min: 0.01, max: 20, step: 0.01, optional: true, hint: "sc.hint_beta" },
    { path: "choice.opening_days_exponent", type: "number", label: "sc.f_opening_days", unit: "sc.u_exponent", min: -20, max: 20, step: 0.1, optional: true, hint: "sc.hint_opening_days" },
    { path: "choice.private_effect", type: "number", label: "sc.f_private", unit: "sc.u_log_odds", min: -20, max: 20, step: 0.1, optional: true, hint: "sc.hint_private" },
    { path: "choice.year", type: "number", label: "sc.f_choice_year", unit: "sc.u_year", min: 2013, max: YEARS.max, step: 1, optional: true, hint: "sc.hint_choice_year" },
  ] },
  { id: "pathways", legend: "sc.sec_pathways", block: "pathways", help: "sc.pathways_help", fields: [
    { path: "pathways.run", type: "pathways", label: "sc.f_pathways" },
    { path: "pathways.start_year", type: "number", label: "sc.f_pw_start", unit: "sc.u_year", min: 2019, max: YEARS.max, step: 1, optional: true, hint: "sc.hint_pw_start" },
    { path: "pathways.travel", type: "checkbox", label: "sc.f_pw_travel", initial: true },
  ] },
];

const DEFAULT_DOC = {
  name: "", base_year: 2020, target_year: 2040, demography: { source: "official", projection: "statfin-2019" },
  demand: { calibrate_year: 2016, morbidity: true, levers: {} },
  access: { service_type: "health_station", thresholds: [10, 15, 30] }, organisation: { model: "county-2023" },
};
const OPTIONS = {
  services: [], models: [], candidates: ["existing", "extended"], weights: ["all", "65+", "75+"],
  sources: ["official", "cohort"], projections: [], pilots: [""], municipalities: [], decay: ["exponential", "power"], pathways: [],
};
const LABELS = {};   // option labels the server gives (pilots, municipalities)
const MODEL_NAMES = {};
let loaded = structuredClone(DEFAULT_DOC);   // the document the form edits (unknown fields kept)
let closed = new Set();
let opened = [];     // network.open entries, each with lon/lat for the map
let candidates = { type: "FeatureCollection", features: [] };
let placing = false;
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
const optionLabel = (kind, v) => (kind === "services" ? t(`svc.${v}`) : kind === "models" ? MODEL_NAMES[v] || v
  : kind === "projections" ? t("sc.opt_projection", { name: v }) : LABELS[`${kind}:${v}`] ?? t(`sc.opt_${kind}_${v || "none"}`.replace("+", "plus")));

/* ------------------------------------------------------------------ build and bind */
function fieldHtml(f) {
  const id = fid(f.path), unit = f.unit ? t(f.unit) : "";
  const lab = `<label for="${id}">${escapeHtml(t(f.label))}${unit ? ` <span class="unit">(${escapeHtml(unit)})</span>` : ""}</label>`;
  const err = `<p class="field-error" id="${id}-err" role="alert"></p>`;
  const rng = `min="${f.min ?? ""}" max="${f.max ?? ""}" step="${f.step ?? 1}"`;
  const hint = f.hint ? `<span class="note" id="${id}-hint">${escapeHtml(t(f.hint))}</span>` : "";
  if (f.type === "checkbox") return `<div class="field"><label class="check"><input type="checkbox" id="${id}"> ${escapeHtml(t(f.label))}</label>${err}</div>`;
  if (f.type === "multi") return `<div class="field">${lab}<select id="${id}" multiple size="5"></select>${err}</div>`;
  if (f.type === "pathways") return pathwaysHtml(f, id, err);
  if (f.type === "newpoints") return `<div class="field"><span class="label" id="${id}-lab">${escapeHtml(t(f.label))}</span>
    <div class="controls"><label for="${id}-cand" class="sr">${escapeHtml(t("sc.pick_candidate"))}</label><select id="${id}-cand"></select>
    <button type="button" id="${id}-add" class="secondary">${escapeHtml(t("sc.add_open"))}</button>
    <button type="button" id="${id}-place" class="secondary" aria-pressed="false">${escapeHtml(t("sc.place_on_map"))}</button></div>
    <ul id="${id}" class="closed-list" aria-labelledby="${id}-lab"></ul><p class="note">${escapeHtml(t("sc.open_help"))}</p>${err}</div>`;
  if (f.type === "textarea") return `<div class="field">${lab}<textarea id="${id}" rows="2"></textarea>${err}</div>`;
  if (f.type === "select") return `<div class="field">${lab}<select id="${id}"></select>${err}</div>`;
  if (f.type === "range") return `<div class="field">${lab}<div class="range"><input type="range" id="${id}" ${rng} aria-describedby="${id}-out"><output id="${id}-out" for="${id}"></output></div>${err}</div>`;
  if (f.type === "number") return `<div class="field">${lab}<input type="number" id="${id}" ${rng} inputmode="decimal"${hint ? ` aria-describedby="${id}-hint"` : ""}>${hint}${err}</div>`;
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
      if (f.type === "select" || f.type === "multi") for (const v of OPTIONS[f.options]) el.add(new Option(optionLabel(f.options, v), v));
      if (f.type === "range") el.addEventListener("input", () => showRange(f));
      if (f.when) document.getElementById(fid(f.when[0])).addEventListener("change", () => syncWhen(s));
    }
    const on = document.getElementById(`on-${s.id}`);
    if (on) on.addEventListener("change", () => toggleSection(s));
  }
  const pick = document.getElementById(fid("network.close") + "-add");
  pick.addEventListener("click", () => { const v = document.getElementById(fid("network.close") + "-pick").value; if (v) { closed.add(v); drawClosed(); } });
  document.getElementById(fid("network.service_type")).addEventListener("change", () => { closed.clear(); opened = []; loadCandidates().catch(showError); });
  const np = fid("network.open");
  document.getElementById(`${np}-add`).addEventListener("click", () => {
    const f = candidates.features.find((c) => c.properties.id === document.getElementById(`${np}-cand`).value);
    if (f) openCandidate(f);
  });
  document.getElementById(`${np}-place`).addEventListener("click", (e) => {
    placing = !placing;
    e.target.setAttribute("aria-pressed", String(placing));
    status(placing ? t("sc.place_help") : "");
    if (netMap) netMap.getCanvas().style.cursor = placing ? "crosshair" : "";
  });
  for (const p of OPTIONS.pathways) {
    for (const el of document.querySelectorAll(`[data-pw="${p.id}"] input, [data-pw="${p.id}"] select`)) {
      el.addEventListener("input", () => pwSync());
      if (el.type === "range") el.addEventListener("input", () => pwShow(el));
    }
  }
}

/* ------------------------------------------------------------------ pathways block
 * One row per built-in pathway: included or not, and its levers (NGO peer support, a shift of
 * one stage's contacts to remote or digital channels, heavy-user case management when the
 * pathway states heavy-user shares). Levers loaded from YAML keep their other fields.
 */
let pwLoaded = {};   // pathway id -> its levers as loaded; `file` pathways kept as they are
let pwFiles = [];
const pk = (id) => id.replace(/[^a-z0-9]+/gi, "-");
function pwRange(id, label, unit, min, max, step) {
  return `<div class="range"><label for="${id}">${escapeHtml(t(label))}</label><input type="range" id="${id}" min="${min}" max="${max}" step="${step}" data-unit="${unit}" aria-describedby="${id}-out"><output id="${id}-out" for="${id}"></output></div>`;
}
function pathwaysHtml(f, id, err) {
  const rows = OPTIONS.pathways.map((p) => {
    const k = pk(p.id);
    const ps = p.peer_support;
    const stages = p.stages.map((s) => `<option value="${escapeHtml(s.id)}">${escapeHtml(s.label)}</option>`).join("");
    return `<fieldset class="pw-item" data-pw="${escapeHtml(p.id)}"><legend><label class="check"><input type="checkbox" id="pwb-on-${k}"> ${escapeHtml(p.name)}</label></legend>
      <div class="pw-levers">
      ${ps ? `<label class="check"><input type="checkbox" id="pwb-peer-${k}"> ${escapeHtml(t("sc.pw_peer", { label: ps.label }))}</label>
        ${pwRange(`pwb-peer-cov-${k}`, "sc.f_pw_coverage", "sc.u_pct_stage", 0, 100, 5)}${pwRange(`pwb-peer-eff-${k}`, "sc.f_pw_effect", "sc.u_pct_transition", 0, 50, 1)}` : ""}
      <label class="check"><input type="checkbox" id="pwb-shift-${k}"> ${escapeHtml(t("sc.pw_shift"))}</label>
      <div class="controls"><label for="pwb-shift-stage-${k}">${escapeHtml(t("sc.f_pw_stage"))}</label><select id="pwb-shift-stage-${k}">${stages}</select>
        <label for="pwb-shift-to-${k}">${escapeHtml(t("sc.f_pw_to"))}</label><select id="pwb-shift-to-${k}"><option value="remote">${escapeHtml(t("sc.opt_channel_remote"))}</option><option value="digital">${escapeHtml(t("sc.opt_channel_digital"))}</option></select></div>
      ${pwRange(`pwb-shift-share-${k}`, "sc.f_pw_share", "sc.u_pct_stage_contacts", 0, 100, 5)}
      ${p.heavy_users ? `<label class="check"><input type="checkbox" id="pwb-ccm-${k}"> ${escapeHtml(t("sc.pw_ccm"))}</label>
        ${pwRange(`pwb-ccm-red-${k}`, "sc.f_pw_reduction", "sc.u_pct_heavy", 0, 50, 5)}` : ""}
      <label for="pwb-year-${k}">${escapeHtml(t("sc.f_pw_lever_year"))} <span class="unit">(${escapeHtml(t("sc.u_year"))})</span></label>
      <input type="number" id="pwb-year-${k}" min="2019" max="${YEARS.max}" step="1">
      </div></fieldset>`;
  }).join("");
  return `<div class="field"><span class="label" id="${id}-lab">${escapeHtml(t(f.label))}</span>
    <div id="${id}" class="pw-list" role="group" aria-labelledby="${id}-lab">${rows}</div><p class="note" id="${id}-files"></p>${err}</div>`;
}
function pwShow(el) {
  const v = Number(el.value);
  document.getElementById(`${el.id}-out`).textContent = `${num(v)} ${t(el.dataset.unit)}`;
}
const pwEl = (what, p) => document.getElementById(`pwb-${what}-${pk(p.id)}`);
/** Lever controls are live only when the section, the pathway and the lever are switched on. */
function pwSync() {
  const sectionOn = document.getElementById("on-pathways")?.checked;
  for (const p of OPTIONS.pathways) {
    const on = sectionOn && pwEl("on", p).checked;
    for (const el of document.querySelectorAll(`[data-pw="${p.id}"] .pw-levers input, [data-pw="${p.id}"] .pw-levers select`)) el.disabled = !on;
    const live = { peer: ["peer-cov", "peer-eff"], shift: ["shift-stage", "shift-to", "shift-share"], ccm: ["ccm-red"] };
    for (const [lever, ids] of Object.entries(live)) {
      const box = pwEl(lever, p);
      if (!box) continue;
      for (const x of ids) pwEl(x, p).disabled = !on || !box.checked;
    }
  }
}
function pwFill(run) {
  pwLoaded = {}; pwFiles = (run || []).filter((r) => r.file);
  for (const p of OPTIONS.pathways) {
    const item = (run || []).find((r) => r.id === p.id);
    const levers = item?.levers || [];
    pwLoaded[p.id] = levers;
    const first = (kind) => levers.find((l) => l.kind === kind);
    const set1 = (what, v) => { const el = pwEl(what, p); if (el) { el.value = String(v); if (el.type === "range") pwShow(el); } };
    pwEl("on", p).checked = Boolean(item);
    const peer = first("peer_support"), shift = first("channel_shift"), ccm = first("heavy_users");
    if (p.peer_support) {
      pwEl("peer", p).checked = Boolean(peer);
      set1("peer-cov", 100 * (peer?.coverage ?? p.peer_support.coverage));
      set1("peer-eff", 100 * (peer?.effect ?? p.peer_support.effect));
    }
    pwEl("shift", p).checked = Boolean(shift);
    set1("shift-stage", shift?.stage ?? p.stages[0].id);
    set1("shift-to", shift?.to ?? "remote");
    set1("shift-share", 100 * (shift?.share ?? 0.2));
    if (p.heavy_users) { pwEl("ccm", p).checked = Boolean(ccm); set1("ccm-red", 100 * (ccm?.contact_reduction ?? 0.2)); }
    set1("year", (peer || shift || ccm)?.start_year ?? 2026);
  }
  const files = document.getElementById(`${fid("pathways.run")}-files`);
  files.textContent = pwFiles.length ? t("sc.pw_files", { files: pwFiles.map((r) => r.file).join(", ") }) : "";
  pwSync();
}
function pwCollect() {
  const run = structuredClone(pwFiles);
  const pc = (what, p) => Math.round(Number(pwEl(what, p).value) * 1e4) / 1e6;   // percent → share
  for (const p of OPTIONS.pathways) {
    if (!pwEl("on", p).checked) continue;
    const had = pwLoaded[p.id] || [];
    const kept = (kind) => had.find((l) => l.kind === kind) || {};
    const year = Number(pwEl("year", p).value) || 2026;
    const levers = [];
    if (p.peer_support && pwEl("peer", p).checked) levers.push({ ...kept("peer_support"), kind: "peer_support", coverage: pc("peer-cov", p), effect: pc("peer-eff", p), start_year: year });
    if (pwEl("shift", p).checked) levers.push({ ...kept("channel_shift"), kind: "channel_shift", stage: pwEl("shift-stage", p).value, to: pwEl("shift-to", p).value, share: pc("shift-share", p), start_year: year });
    if (p.heavy_users && pwEl("ccm", p).checked) {
      const old = kept("heavy_users");
      levers.push({ ...old, kind: "heavy_users", stages: old.stages || p.stages.map((s) => s.id).filter((s) => s !== "care_24h"), contact_reduction: pc("ccm-red", p), start_year: year });
    }
    // further levers of a kind already shown (a second shift of another stage, ...) stay as loaded
    const firsts = new Set(["peer_support", "channel_shift", "heavy_users"].map((k) => had.find((l) => l.kind === k)).filter(Boolean));
    levers.push(...had.filter((l) => !firsts.has(l)));
    run.push({ id: p.id, levers });
  }
  return run;
}

/** A field with `when: [path, value]` is live only when that control has that value. */
function syncWhen(s) {
  const on = !s.block || document.getElementById(`on-${s.id}`).checked;
  for (const f of s.fields) {
    if (!f.when) continue;
    const el = document.getElementById(fid(f.path));
    el.disabled = !on || document.getElementById(fid(f.when[0])).value !== f.when[1];
  }
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
  syncWhen(s);
  if (s.id === "pathways") pwSync();
  if (s.id === "network") drawClosed();
}

/** Put a scenario document into the form (unknown fields stay in `loaded`); `lonlat` places
 * the points it opens on the map (the document keeps EPSG:3067 metres). */
function fill(doc, lonlat = []) {
  loaded = structuredClone(doc);
  for (const s of SECTIONS) {
    const present = !s.block || (s.list ? (get(doc, s.block) || []).length > 0 : get(doc, s.block) != null);
    const on = document.getElementById(`on-${s.id}`);
    if (on) on.checked = present;
    for (const f of s.fields) {
      const el = document.getElementById(fid(f.path));
      let v = get(doc, f.path);
      if (f.type === "points") { closed = new Set(v || []); continue; }
      if (f.type === "newpoints") { opened = (v || []).map((p, i) => ({ ...p, lon: lonlat[i]?.[0], lat: lonlat[i]?.[1] })); continue; }
      if (f.type === "pathways") { pwFill(v); continue; }
      if (f.type === "checkbox") { el.checked = v == null ? Boolean(f.initial) : Boolean(v); continue; }
      if (f.type === "multi") { const want = new Set((v ?? f.initial ?? []).map(String)); for (const o of el.options) o.selected = want.has(o.value); continue; }
      if (v == null && f.nullable && present) v = "";
      if (v == null) v = f.initial != null ? (typeof f.initial === "number" ? f.initial / 1 : f.initial) : (f.type === "range" ? f.min : "");
      else if (f.scale) v = Math.round((v / f.scale) * 1000) / 1000;
      if (f.type === "list") el.value = (Array.isArray(v) ? v : []).join(", ");
      else if (f.type === "select") { if ([...el.options].some((o) => o.value === String(v))) el.value = String(v); }
      else el.value = String(v);
      if (f.type === "range") showRange(f);
    }
    if (on) toggleSection(s); else syncWhen(s);
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
      if (f.when && el.disabled) continue;   // not read by the engine in this setting: left as loaded
      if (f.type === "points") v = [...closed];
      else if (f.type === "newpoints") v = opened.map(({ lon, lat, ...p }) => p);
      else if (f.type === "pathways") v = pwCollect();
      else if (f.type === "checkbox") v = el.checked;
      else if (f.type === "multi") v = [...el.selectedOptions].map((o) => o.value);
      else if (f.type === "list") v = el.value.split(/[,;\s]+/).filter(Boolean).map(Number);
      else if (f.type === "number" || f.type === "range") v = el.value === "" ? null : Number(el.value) * (f.scale ?? 1);
      else v = el.value;
      if (f.nullable && v === "") v = null;
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
  addPoints(netMap, "sc-cands", { type: "FeatureCollection", features: [] }, COLORS.candidate, 4);
  addPoints(netMap, "sc-points", { type: "FeatureCollection", features: [] },
    ["case", ["==", ["get", "closed"], 1], COLORS.closed, COLORS.open], 6);
  addPoints(netMap, "sc-new", { type: "FeatureCollection", features: [] }, COLORS.opened, 7);
  netMap.on("click", "sc-cands", (e) => {
    if (placing || !document.getElementById("on-network").checked) return;
    openCandidate(e.features[0]);
  });
  netMap.on("click", "sc-new", (e) => {
    if (placing || !document.getElementById("on-network").checked) return;
    opened = opened.filter((p) => p.id !== e.features[0].properties.id);
    drawClosed();
  });
  netMap.on("click", (e) => { if (placing) placeAt(e.lngLat).catch(showError); });
  netMap.on("click", "sc-points", (e) => {
    if (placing || !document.getElementById("on-network").checked) return;
    const id = e.features[0].properties.id;
    if (closed.has(id)) closed.delete(id); else closed.add(id);
    drawClosed();
  });
  netMap.on("mouseenter", "sc-points", () => { netMap.getCanvas().style.cursor = "pointer"; });
  netMap.on("mouseleave", "sc-points", () => { netMap.getCanvas().style.cursor = ""; });
  document.getElementById("sc-map-legend").innerHTML = [[COLORS.open, "sc.legend_open"], [COLORS.closed, "sc.legend_closed"],
    [COLORS.opened, "sc.legend_new"], [COLORS.candidate, "sc.legend_candidate"]]
    .map(([c, k]) => `<span style="background:${c};border-radius:50%"></span>${escapeHtml(t(k))}`).join("") +
    `<br>${escapeHtml(t("sc.map_source"))}`;
  await loadCandidates();
}

/** The candidate sites of the network's service type (those `soteplan locate` adds). */
async function loadCandidates() {
  const type = document.getElementById(fid("network.service_type")).value;
  const resp = await fetch(`/scenarios/builder/candidates?service=${encodeURIComponent(type)}&lang=${LANG}`);
  candidates = resp.ok ? await resp.json() : { type: "FeatureCollection", features: [] };
  drawClosed();
}
function newId(base) {
  const taken = new Set([...opened.map((p) => p.id), ...(points?.features || []).map((f) => f.properties.id)]);
  let id = base, n = 2;
  while (taken.has(id)) id = `${base}-${n++}`;
  return id;
}
function openCandidate(f) {
  const c = f.properties;
  if (opened.some((p) => p.id === c.id)) { opened = opened.filter((p) => p.id !== c.id); drawClosed(); return; }
  const [lon, lat] = f.geometry?.coordinates || [c.lon, c.lat];
  opened.push({ id: newId(c.id), name: c.name, x: Number(c.x), y: Number(c.y), municipality: c.municipality, lon, lat });
  drawClosed();
}
async function placeAt(ll) {
  if (!document.getElementById("on-network").checked) return;
  const resp = await fetch(`/scenarios/builder/place?lang=${LANG}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ lon: ll.lng, lat: ll.lat }) });
  const r = await resp.json();
  const err = document.getElementById(`${fid("network.open")}-err`);
  if (!r.ok) { err.textContent = r.message || t("err.invalid", { status: resp.status }); return; }
  err.textContent = "";
  opened.push({ id: newId(`new-${r.municipality}`), name: r.name, x: r.x, y: r.y, municipality: r.municipality, lon: ll.lng, lat: ll.lat });
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
  const on = document.getElementById("on-network").checked;
  const np = fid("network.open");
  const openIds = new Set(opened.map((p) => p.id));
  const cpick = document.getElementById(`${np}-cand`);
  cpick.innerHTML = "";
  for (const f of [...candidates.features].sort((a, b) => a.properties.name.localeCompare(b.properties.name, "fi")))
    if (!openIds.has(f.properties.id)) cpick.add(new Option(`${f.properties.name} (${f.properties.kind_label})`, f.properties.id));
  const oul = document.getElementById(np);
  oul.innerHTML = "";
  for (const p of opened) {
    const li = document.createElement("li");
    li.innerHTML = `<span>${escapeHtml(p.name)}</span> `;
    const b = document.createElement("button");
    b.type = "button"; b.className = "secondary"; b.textContent = t("sc.remove_open");
    b.setAttribute("aria-label", `${t("sc.remove_open")}: ${p.name}`);
    b.disabled = !on;
    b.addEventListener("click", () => { opened = opened.filter((q) => q.id !== p.id); drawClosed(); });
    li.appendChild(b); oul.appendChild(li);
  }
  if (netMap) {
    for (const f of feats) f.properties.closed = closed.has(f.properties.id) ? 1 : 0;
    netMap.getSource("sc-points").setData({ type: "FeatureCollection", features: feats });
    netMap.getSource("sc-cands").setData({ type: "FeatureCollection", features: candidates.features.filter((f) => !openIds.has(f.properties.id)) });
    netMap.getSource("sc-new").setData({ type: "FeatureCollection", features: opened.filter((p) => p.lon != null).map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: [p.lon, p.lat] }, properties: { id: p.id, name: p.name } })) });
  }
  document.getElementById("sc-map").dataset.closed = String(closed.size);
  document.getElementById("sc-map").dataset.opened = String(opened.length);
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
  if (r.scenario) { fill(r.scenario, r.open_lonlat); await loadCandidates(); }
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
  const src = r.demography.source === "cohort" ? t("sc.source_line_cohort") : SOURCE();
  for (const id of ["sc-cost-src", "sc-volume-src"]) document.getElementById(id).textContent = src;
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
  extrasResult(r);
  await accessMap(r);
  document.body.dataset.result = r.id;
}

/** The projection, totals, new points, choice list sizes and pathway figures of a run. */
function extrasResult(r) {
  const [y0, y1] = [String(r.years[0]), String(r.years.at(-1))];
  const net = [r.closed ? t("sc.res_closed", { n: r.closed }) : "", r.opened.length ? t("sc.res_opened", { n: r.opened.length, names: r.opened.map((p) => p.name).join(", ") }) : ""].filter(Boolean);
  document.getElementById("sc-demo-note").textContent = [r.demography.label, ...net].join(" · ");
  fillTable(document.getElementById("sc-totals"), [
    { key: "year", label: t("demo.year") },
    { key: "population", label: `${t("sc.col_population")} (${t("sc.u_persons")})`, num: true, fmt: (v) => num(v) },
    { key: "cost_meur", label: `${t("sc.col_cost")} (M€, ${r.price_year})`, num: true, fmt: (v) => num(v, 1) },
    { key: "cost_per_resident", label: `${t("sc.col_per_resident")} (€)`, num: true, fmt: (v) => num(v) },
  ], [y0, y1].map((y) => ({ year: y, ...r.totals[y] })));
  const ch = r.choice;
  document.getElementById("sc-choice-out").hidden = !ch;
  if (ch) {
    document.getElementById("sc-choice-summary").textContent = t("sc.choice_summary", {
      choosers: num(ch.choosers), switchers: num(ch.switchers), today: num(ch.mean_minutes_today, 1), choice: num(ch.mean_minutes_choice, 1) });
    fillTable(document.getElementById("sc-choice-table"), [
      { key: "name", label: t("sc.col_station"), lang: LANG === "fi" ? undefined : "fi" },
      { key: "today", label: `${t("sc.col_list_today")} (${t("sc.u_persons")})`, num: true, fmt: (v) => num(v) },
      { key: "choice", label: `${t("sc.col_list_choice")} (${t("sc.u_persons")})`, num: true, fmt: (v) => num(v) },
      { key: "change", label: `${t("net.change")} (${t("sc.u_persons")})`, num: true, fmt: (v) => num(v) },
    ], ch.stations);
    document.getElementById("sc-choice-table").dataset.rows = String(ch.stations.length);
  }
  document.getElementById("sc-pw-out").hidden = !r.pathways.length;
  fillTable(document.getElementById("sc-pw-table"), [
    { key: "name", label: t("sc.col_pathway") }, { key: "year", label: t("demo.year") },
    { key: "persons", label: `${t("sc.col_pw_persons")} (${t("sc.u_persons")})`, num: true, fmt: (v) => num(v) },
    { key: "contacts", label: `${t("sc.col_pw_contacts")} (${t("sc.u_contacts_year")})`, num: true, fmt: (v) => num(v) },
    { key: "cost_meur", label: `${t("sc.col_cost")} (M€${r.pathways[0]?.price_year ? `, ${r.pathways[0].price_year}` : ""})`, num: true, fmt: (v) => num(v, 2) },
    { key: "third_sector_share", label: `${t("sc.col_third_sector")} (%)`, num: true, fmt: (v) => pct(v) },
    { key: "levers", label: `${t("sc.col_levers")} (${t("sc.u_count")})`, num: true, fmt: (v) => num(v) },
  ], r.pathways);
  if (r.pathways.length) document.getElementById("sc-pw-src").textContent = t("sc.pw_source");
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
  compareExtras(results);
  status(t("msg.ready"));
  document.body.dataset.compared = String(ids.length);
}

/** Choice and pathway figures side by side, for the runs that have them (said for the others). */
function compareExtras(results) {
  const missing = (has) => results.filter((r) => !has(r)).map((r) => r.name).join(", ");
  const withChoice = results.filter((r) => r.choice);
  const measures = [["sc.m_choosers", "sc.u_persons", "choosers", 0], ["sc.m_switchers", "sc.u_persons", "switchers", 0],
    ["sc.m_min_today", "sc.u_min", "mean_minutes_today", 1], ["sc.m_min_choice", "sc.u_min", "mean_minutes_choice", 1]];
  fillTable(document.getElementById("sc-cmp-choice"), [{ key: "label", label: t("sc.col_measure") }, { key: "unit", label: t("sc.col_unit") },
    ...withChoice.map((r, i) => ({ key: `c${i}`, label: r.name, num: true, fmt: (v, row) => num(v, row.digits) }))],
  withChoice.length ? measures.map(([label, unit, key, digits]) => Object.fromEntries([["label", t(label)], ["unit", t(unit)], ["digits", digits],
    ...withChoice.map((r, i) => [`c${i}`, r.choice[key]])])) : []);
  document.getElementById("sc-cmp-choice-empty").textContent = withChoice.length === results.length ? ""
    : t(withChoice.length ? "sc.choice_missing" : "sc.choice_none", { runs: missing((r) => r.choice) });
  const withPw = results.filter((r) => r.pathways.length);
  const ids = [...new Set(withPw.flatMap((r) => r.pathways.map((p) => p.id)))];
  const rows = [];
  for (const id of ids) {
    for (const [key, label, unit, digits] of [["contacts", "sc.col_pw_contacts", "sc.u_contacts_year", 0], ["cost_meur", "sc.col_cost", "M€", 2]]) {
      const any = withPw.map((r) => r.pathways.find((p) => p.id === id)).find(Boolean);
      rows.push(Object.fromEntries([["name", any.name], ["measure", `${t(label)} ${any.year}`], ["unit", unit !== "M€" ? t(unit) : any.price_year ? `M€ (${any.price_year})` : unit], ["digits", digits],
        ...withPw.map((r, i) => [`p${i}`, r.pathways.find((p) => p.id === id)?.[key] ?? null])]));
    }
  }
  fillTable(document.getElementById("sc-cmp-pw"), [{ key: "name", label: t("sc.col_pathway") }, { key: "measure", label: t("sc.col_measure") },
    { key: "unit", label: t("sc.col_unit") }, ...withPw.map((r, i) => ({ key: `p${i}`, label: r.name, num: true, fmt: (v, row) => num(v, row.digits) }))], rows);
  document.getElementById("sc-cmp-pw-empty").textContent = withPw.length === results.length ? ""
    : t(withPw.length ? "sc.pw_missing" : "sc.pw_none", { runs: missing((r) => r.pathways.length) });
}

/* ------------------------------------------------------------------ start */
async function main() {
  const [services, models, opts] = await Promise.all([regionApi("/access/services"), regionApi("/organisation-models"),
    fetch(`/scenarios/builder/options?lang=${LANG}`).then((r) => r.json())]);
  OPTIONS.projections = opts.projections;
  OPTIONS.pilots = ["", ...opts.pilots.map((p) => p.id)];
  for (const p of opts.pilots) LABELS[`pilots:${p.id}`] = p.label;
  OPTIONS.municipalities = opts.municipalities.map((m) => m.code);
  for (const m of opts.municipalities) LABELS[`municipalities:${m.code}`] = m.name;
  OPTIONS.pathways = opts.pathways;
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
