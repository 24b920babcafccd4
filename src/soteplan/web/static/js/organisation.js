// Organisation models: choose two and compare (areas on a map and in a table).
import { regionApi, t, num, status, showError, makeMap, bbox, addMunicipalities, popupOn, escapeHtml, fillTable, LANG } from "./common.js";

const PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b2df8a"];
let models = [], munis = null, map = null;

function name(m) { return LANG === "en" ? m.name_en : m.name_fi; }

async function compare(ev) {
  ev?.preventDefault();
  const a = models.find((m) => m.id === document.getElementById("org-a").value);
  const b = models.find((m) => m.id === document.getElementById("org-b").value);
  const areaOf = (m) => Object.fromEntries(m.areas.flatMap((ar) => ar.members.map((c) => [c, ar])));
  const aa = areaOf(a), bb = areaOf(b);
  const idx = Object.fromEntries(a.areas.map((ar, i) => [ar.id, i]));
  for (const f of munis.features) {
    const ar = aa[f.properties.code];
    f.properties.color = ar ? PALETTE[idx[ar.id] % PALETTE.length] : "#dddddd";
    f.properties.area_a = ar ? ar.name : "–";
    f.properties.area_b = bb[f.properties.code] ? bb[f.properties.code].name : "–";
  }
  if (!map) {
    map = await makeMap("map", bbox(munis));
    addMunicipalities(map, munis, ["get", "color"]);
    popupOn(map, "munis-fill", (p) => `<strong>${escapeHtml(p.name_fi)}</strong><br>A: ${escapeHtml(p.area_a)}<br>B: ${escapeHtml(p.area_b)}`);
  } else map.getSource("munis").setData(munis);
  document.getElementById("org-a-title").textContent = `A: ${name(a)}`;
  const rows = munis.features.map((f) => f.properties).sort((x, y) => x.area_a.localeCompare(y.area_a, "fi"));
  fillTable(document.getElementById("org-table"), [
    { key: "name_fi", label: t("col.municipality") }, { key: "area_a", label: `A: ${name(a)}` }, { key: "area_b", label: `B: ${name(b)}` }], rows,
    (r) => (r.area_a !== r.area_b ? "changed" : ""));
  const out = document.getElementById("org-result");
  try {
    const res = await regionApi("/organise/compare", { method: "POST", body: JSON.stringify({ models: [a.id, b.id] }) });
    out.innerHTML = '<table class="data" id="org-compare"><caption class="sr"></caption><thead></thead><tbody></tbody></table>';
    const fmtv = (v) => (typeof v === "number" ? num(v, Number.isInteger(v) ? 0 : Math.abs(v) < 100 ? 1 : 0) : v ?? "–");
    fillTable(document.getElementById("org-compare"), [
      { key: "measure", label: t("org.measure") },
      { key: a.id, label: `A: ${name(a)}`, num: true, fmt: fmtv },
      { key: b.id, label: `B: ${name(b)}`, num: true, fmt: fmtv }], res.table);
  } catch (err) {
    out.textContent = err.status === 501 ? `${t("msg.not_available")}: ${err.message}` : `${t("msg.error")}: ${err.message}`;
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
