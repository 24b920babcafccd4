// Organisation models: choose two and compare (areas on a map with a legend, and in tables).
import { regionApi, t, num, status, showError, makeMap, bbox, addMunicipalities, popupOn, escapeHtml, fillTable, LANG } from "./common.js";

const PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b2df8a"];
let models = [], munis = null, map = null;

function name(m) { return LANG === "en" ? m.name_en : m.name_fi; }

/** An area's name in the page language (the data names some areas in English only). */
function areaName(model, area) {
  const key = `area.${model.id}.${area.id}`;
  const s = t(key);
  return s === key ? area.name : s;
}

const proj = (p) => (p ? ` (${t("org.m_proj")})` : "");
const fmt = (key, ...args) => args.reduce((s, v, i) => s.replace(`{${i}}`, v), t(key));
/** The organise engine's measure names (English) → label and unit in the page language. */
const MEASURES = [
  [/^name$/, () => [t("org.m_name"), ""]],
  [/^areas$/, () => [t("org.m_areas"), t("org.unit_count")]],
  [/^municipalities$/, () => [t("org.m_municipalities"), t("org.unit_count")]],
  [/^population (\d{4})$/, (m) => [fmt("org.m_population", m[1]), t("org.unit_persons")]],
  [/^aged (\d+)\+ (\d{4})( proj\.)?$/, (m) => [fmt("org.m_aged", m[1], m[2]) + proj(m[3]), t("org.unit_persons")]],
  [/^share 75\+ % (\d{4})( proj\.)?$/, (m) => [fmt("org.m_share75", m[1]) + proj(m[2]), "%"]],
  [/^dependency ratio (\d{4})( proj\.)?$/, (m) => [fmt("org.m_dependency", m[1]) + proj(m[2]), t("org.unit_per100")]],
  [/^mean min to hub$/, () => [t("org.m_mean_hub"), "min"]],
  [/^max min to hub$/, () => [t("org.m_max_hub"), "min"]],
  [/^% within 30 min of hub$/, () => [t("org.m_within_hub"), "%"]],
  [/^% aged 75\+ within 30 min (\d{4})$/, (m) => [fmt("org.m_within_hub75", m[1]), "%"]],
  [/^mean min to central$/, () => [t("org.m_mean_central"), "min"]],
  [/^contiguous$/, () => [t("org.m_contiguous"), ""]],
  [/^net cost €\/res(?: (\d{4}))?$/, (m) => [fmt("org.m_net_cost", m[1] ?? ""), "€"]],
  [/^smallest area( \d{4})?$/, (m) => [fmt("org.m_smallest", m[1] ?? ""), t("org.unit_persons")]],
  [/^largest area( \d{4})?$/, (m) => [fmt("org.m_largest", m[1] ?? ""), t("org.unit_persons")]],
  [/^≥(\d+)k (\S+)( \[U\])?( \d{4} proj\.)?$/, (m) => [fmt("org.m_min_pop", m[1], m[2] + (m[3] ? `, ${t("org.m_unconfirmed")}` : "")) + (m[4] ? ` ${m[4].trim().replace(" proj.", "")}${proj(true)}` : ""), t("org.unit_count")]],
];
export function measureLabel(key) {
  const range = key.match(/^(.*) \(areas min–max\)$/);
  if (range) { const [l, u] = measureLabel(range[1]); return [fmt("org.m_range", l), u]; }
  for (const [re, f] of MEASURES) { const m = key.match(re); if (m) return f(m); }
  return [key, ""];
}

function value(v, key, model) {
  if (key === "name") return name(model);
  if (typeof v === "boolean") return v ? t("org.yes") : t("org.no");
  if (typeof v === "number") return num(v, Number.isInteger(v) ? 0 : Math.abs(v) < 100 ? 1 : 0);
  if (typeof v === "string" && LANG === "fi") return v.replace(/(\d)\.(\d)/g, "$1,$2");
  return v ?? "–";
}

function paint(model) {
  const byMuni = Object.fromEntries(model.areas.flatMap((ar, i) => ar.members.map((c) => [c, i])));
  for (const f of munis.features) {
    const i = byMuni[f.properties.code];
    f.properties.color = i === undefined ? "#dddddd" : PALETTE[i % PALETTE.length];
  }
  map.getSource("munis").setData(munis);
  document.getElementById("org-legend").innerHTML = `<strong>${escapeHtml(t("org.legend"))}</strong> ` +
    model.areas.map((ar, i) => `<span style="background:${PALETTE[i % PALETTE.length]}"></span>${escapeHtml(areaName(model, ar))}`).join("");
  document.getElementById("org-a-title").textContent = name(model);
  document.getElementById("map").dataset.model = model.id;
}

async function compare(ev) {
  ev?.preventDefault();
  const a = models.find((m) => m.id === document.getElementById("org-a").value);
  const b = models.find((m) => m.id === document.getElementById("org-b").value);
  const areaOf = (m) => Object.fromEntries(m.areas.flatMap((ar) => ar.members.map((c) => [c, areaName(m, ar)])));
  const aa = areaOf(a), bb = areaOf(b);
  for (const f of munis.features) {
    f.properties.area_a = aa[f.properties.code] ?? "–";
    f.properties.area_b = bb[f.properties.code] ?? "–";
  }
  if (!map) {
    map = await makeMap("map", bbox(munis));
    addMunicipalities(map, munis, ["get", "color"]);
    popupOn(map, "munis-fill", (p) => `<strong>${escapeHtml(p.name_fi)}</strong><br>A: ${escapeHtml(p.area_a)}<br>B: ${escapeHtml(p.area_b)}`);
  }
  const show = document.querySelector("input[name=org-show]:checked")?.value === "b" ? b : a;
  paint(show);
  for (const r of document.querySelectorAll("input[name=org-show]")) r.onchange = () => paint(r.value === "b" ? b : a);
  const rows = munis.features.map((f) => f.properties).sort((x, y) => x.area_a.localeCompare(y.area_a, "fi"));
  fillTable(document.getElementById("org-table"), [
    { key: "name_fi", label: t("col.municipality") }, { key: "area_a", label: `A: ${name(a)}` }, { key: "area_b", label: `B: ${name(b)}` }], rows,
    (r) => (r.area_a !== r.area_b ? "changed" : ""));
  const out = document.getElementById("org-result");
  try {
    const res = await regionApi("/organise/compare", { method: "POST", body: JSON.stringify({ models: [a.id, b.id] }) });
    out.innerHTML = `<table class="data" id="org-compare"><caption class="sr">${escapeHtml(t("org.engine_result"))}</caption><thead></thead><tbody></tbody></table>`;
    const table = res.table.map((r) => { const [label, unit] = measureLabel(r.measure); return { ...r, label, unit }; });
    fillTable(document.getElementById("org-compare"), [
      { key: "label", label: t("org.measure") }, { key: "unit", label: t("org.col_unit") },
      { key: a.id, label: `A: ${name(a)}`, num: true, fmt: (v, r) => value(v, r.measure, a) },
      { key: b.id, label: `B: ${name(b)}`, num: true, fmt: (v, r) => value(v, r.measure, b) }], table);
    document.getElementById("org-src").textContent = t("src.organisation");
  } catch (err) {
    out.textContent = "";
    showError(err);
    return;
  }
  status(t("msg.ready"));
  document.body.dataset.ready = "1";
}

async function main() {
  status(t("msg.loading"));
  [models, munis] = await Promise.all([regionApi("/organisation-models"), regionApi("/municipalities")]);
  const sa = document.getElementById("org-a"), sb = document.getElementById("org-b");
  models.forEach((m, i) => { sa.add(new Option(name(m), m.id, false, i === 0)); sb.add(new Option(name(m), m.id, false, i === models.length - 1)); });
  document.getElementById("org-form").addEventListener("submit", (e) => compare(e).catch(showError));
  await compare();
}
main().catch(showError);
