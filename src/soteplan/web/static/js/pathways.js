// Care pathways: Sankey of one year's flows, cost by year, stage table and lever controls.
import * as echarts from "/static/vendor/echarts/echarts.esm.min.mjs";
import { api, regionApi, t, num, status, showError, fillTable, LANG } from "./common.js";

const $ = (id) => document.getElementById(id);
let sankey, costChart, spec, result;

const label = (id) => {
  if (!result) return id;
  const l = result.labels[id];
  if (l) return l[LANG] || l.fi;
  if (id.startsWith("case_management_")) return t("pw.companion", { stage: label(id.slice(16)) });
  return id;
};

function leverBody() {
  const year = Number($("pw-lever-year").value) || 2026;
  const levers = [];
  if ($("pw-peer").checked) {
    levers.push({
      kind: "peer_support", start_year: year,
      coverage: Number($("pw-peer-coverage").value) / 100, effect: Number($("pw-peer-effect").value) / 100,
    });
  }
  if ($("pw-shift").checked) {
    levers.push({
      kind: "channel_shift", start_year: year, stage: $("pw-shift-stage").value,
      to: $("pw-shift-to").value, share: Number($("pw-shift-share").value) / 100,
    });
  }
  if ($("pw-ccm").checked && spec.heavy_users) {
    levers.push({
      kind: "heavy_users", start_year: year, stages: spec.stages.map((s) => s.id).filter((s) => s !== "care_24h"),
      contact_reduction: Number($("pw-ccm-reduction").value) / 100,
    });
  }
  return { levers };
}

function drawSankey() {
  const year = Number($("pw-year").value);
  const flows = result.flows.filter((f) => f.year === year && f.persons > 0.5 && f.source !== "*");
  const left = (id) => (id === "entry" ? t("pw.entry") : `${label(id)} ${year - 1}`);
  const right = (id) => (id.startsWith("peer_support") || id.startsWith("case_management") ? null
    : ["recovery", "death", "aged_out"].includes(id) ? t(`pw.exit.${id}`) : `${label(id)} ${year}`);
  const links = [];
  for (const f of flows) {
    const target = right(f.target);
    if (target === null) continue;
    links.push({ source: left(f.source), target, value: f.persons });
  }
  const aged = result.flows.filter((f) => f.year === year && f.source === "*" && f.persons > 0.5);
  const names = new Set(links.flatMap((l) => [l.source, l.target]));
  sankey.setOption({
    animation: false,
    tooltip: { trigger: "item", valueFormatter: (v) => num(v) },
    series: [{
      type: "sankey", left: 10, right: 200, top: 10, bottom: 10, nodeGap: 10,
      emphasis: { focus: "adjacency" }, lineStyle: { color: "gradient", opacity: 0.35 },
      label: { fontSize: 11 },
      data: [...names].map((name) => ({ name })), links,
    }],
  }, true);
  $("pw-sankey").dataset.links = String(links.length);
  $("pw-sankey").dataset.agedOut = String(aged.reduce((a, f) => a + f.persons, 0));
}

function drawCost() {
  const years = result.summary.map((r) => r.year);
  const series = [];
  if (result.base_summary) {
    series.push({ name: t("pw.base"), type: "line", data: result.base_summary.map((r) => r.cost_eur / 1e6) });
  }
  series.push({
    name: result.base_summary ? t("pw.with_levers") : t("pw.base"), type: "line",
    lineStyle: result.base_summary ? { type: "dashed" } : {}, data: result.summary.map((r) => r.cost_eur / 1e6),
  });
  costChart.setOption({
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: (v) => num(v, 1) },
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: years },
    yAxis: { type: "value", scale: true },
    series,
  }, true);
}

function drawStageTable() {
  const year = Number($("pw-year").value);
  const rows = result.rows.filter((r) => r.year === year).map((r) => ({
    ...r, stage_label: label(r.stage), provider_label: t(`pw.provider.${r.provider}`),
    channel_label: t(`pw.channel.${r.channel}`),
  }));
  fillTable($("pw-stages"), [
    { key: "stage_label", label: t("pw.col.stage") },
    { key: "provider_label", label: t("pw.col.provider") },
    { key: "channel_label", label: t("pw.col.channel") },
    { key: "persons", label: t("pw.col.persons"), num: true, fmt: (v) => num(v) },
    { key: "contacts", label: t("pw.col.contacts"), num: true, fmt: (v) => num(v) },
    { key: "cost_eur", label: t("pw.col.cost"), num: true, fmt: (v) => num(v) },
    { key: "trips", label: t("pw.col.trips"), num: true, fmt: (v) => num(v) },
    { key: "travel_minutes", label: t("pw.col.travel_h"), num: true, fmt: (v) => num(v === null ? null : v / 60) },
  ], rows);
}

function drawChange() {
  if (!result.comparison) {
    $("pw-change-note").textContent = t("pw.no_levers");
    fillTable($("pw-change"), [], []);
    return;
  }
  $("pw-change-note").textContent = "";
  fillTable($("pw-change"), [
    { key: "year", label: t("pw.col.year") },
    { key: "persons_change", label: t("pw.col.persons"), num: true, fmt: (v) => num(v) },
    { key: "contacts_change", label: t("pw.col.contacts"), num: true, fmt: (v) => num(v) },
    { key: "cost_eur_change", label: t("pw.col.cost"), num: true, fmt: (v) => num(v) },
    { key: "trips_change", label: t("pw.col.trips"), num: true, fmt: (v) => num(v) },
    { key: "travel_minutes_change", label: t("pw.col.travel_h"), num: true, fmt: (v) => num(v === null ? null : v / 60) },
    { key: "third_sector_share_change", label: t("pw.col.third"), num: true, fmt: (v) => num(100 * v, 2) },
  ], result.comparison);
}

function drawNotes() {
  const src = $("pw-sources"), ass = $("pw-assumptions");
  src.innerHTML = ""; ass.innerHTML = "";
  if (LANG !== "en") {  // the citations and notes are written in English
    const li = document.createElement("li");
    li.textContent = t("pw.sources_count", { n: spec.sources.length, m: spec.assumptions.length, url: `/api/v1/pathways/${spec.id}` });
    src.appendChild(li);
    ass.appendChild(li.cloneNode(true));
    return;
  }
  for (const [ul, items] of [[src, spec.sources], [ass, spec.assumptions]]) {
    for (const s of items) { const li = document.createElement("li"); li.textContent = s; ul.appendChild(li); }
  }
}

async function runPathway() {
  status(t("pw.running"));
  $("pw-run").disabled = true;
  try {
    result = await regionApi(`/pathways/${spec.id}/run`, { method: "POST", body: JSON.stringify(leverBody()) });
    const years = result.summary.map((r) => r.year);
    const sel = $("pw-year");
    const keep = Number(sel.value);
    sel.innerHTML = years.map((y) => `<option value="${y}">${y}</option>`).join("");
    sel.value = years.includes(keep) ? String(keep) : String(years[years.length - 1]);
    drawSankey(); drawCost(); drawStageTable(); drawChange(); drawNotes();
    const m = result.meta;
    status(t("pw.done", { name: LANG === "en" ? m.name : m.name_fi, from: m.years[0], to: m.years[1], price: m.price_year }));
    document.body.dataset.ready = "1";
  } catch (err) {
    showError(err);
  } finally {
    $("pw-run").disabled = false;
  }
}

async function loadSpec(id) {
  spec = await api(`/pathways/${id}`);
  $("pw-shift-stage").innerHTML = spec.stages
    .map((s) => `<option value="${s.id}">${(s.label[LANG] || s.label.fi).replace(/</g, "&lt;")}</option>`).join("");
  const ps = spec.peer_support;
  $("pw-peer").disabled = !ps;
  $("pw-peer-coverage").value = ps ? Math.round(ps.coverage * 100) : 0;
  $("pw-peer-effect").value = ps ? Math.round(ps.effect * 100) : 0;
  $("pw-ccm").disabled = !spec.heavy_users;
  if (!spec.heavy_users) $("pw-ccm").checked = false;
}

async function main() {
  sankey = echarts.init($("pw-sankey"), null, { renderer: "svg" });
  costChart = echarts.init($("pw-cost"), null, { renderer: "svg" });
  window.addEventListener("resize", () => { sankey.resize(); costChart.resize(); });
  try {
    const list = await api("/pathways");
    const sel = $("pw-pathway");
    sel.innerHTML = list.map((p) => `<option value="${p.id}">${(p.name[LANG] || p.name.fi).replace(/</g, "&lt;")}</option>`).join("");
    const wanted = new URLSearchParams(location.search).get("pathway");
    sel.value = list.some((p) => p.id === wanted) ? wanted : (list.some((p) => p.id === "memory-disorders") ? "memory-disorders" : list[0].id);
    await loadSpec(sel.value);
    sel.addEventListener("change", async () => { await loadSpec(sel.value); await runPathway(); });
    $("pw-year").addEventListener("change", () => { drawSankey(); drawStageTable(); });
    $("pw-run").addEventListener("click", runPathway);
    $("pw-form").addEventListener("submit", (ev) => { ev.preventDefault(); runPathway(); });
    await runPathway();
  } catch (err) {
    showError(err);
  }
}

main();
