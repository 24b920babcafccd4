// Optimise: p-median or maximal covering over the candidate sites of `soteplan locate`
// (existing points + municipal centres + urban settlements), compared with today's network.
import { regionApi, t, num, pct, status, showError, makeMap, bbox, addMunicipalities, addPoints, fillTable, escapeHtml } from "./common.js";

const COLORS = { chosenExisting: "#1b6b2f", chosenNew: "#e07a00", existing: "#8a8a8a", candidate: "#d0d0d0" };
const EMPTY = { type: "FeatureCollection", features: [] };
let map = null;
let today = {};   // service type -> number of operating points
let muniNames = {};

const pointColor = ["case",
  ["all", ["==", ["get", "chosen"], 1], ["==", ["get", "existing"], 1]], COLORS.chosenExisting,
  ["==", ["get", "chosen"], 1], COLORS.chosenNew,
  ["==", ["get", "existing"], 1], COLORS.existing,
  COLORS.candidate];

function siteName(row) {
  if (row.kind === "municipal_centre") return t("opt.centre_of", { name: muniNames[row.municipality] || row.municipality });
  return row.name;
}

function clearResult() {
  document.getElementById("opt-summary").innerHTML = "";
  fillTable(document.getElementById("opt-table"), [], []);
  if (map?.getSource("sites")) map.getSource("sites").setData(EMPTY);
  document.getElementById("map").dataset.sites = "0";
  delete document.body.dataset.result;
}

async function run(ev) {
  ev?.preventDefault();
  const service = document.getElementById("opt-service").value;
  const model = document.querySelector("input[name=model]:checked").value;
  const slider = document.getElementById("opt-p");
  const p = Number(slider.value);
  const threshold = Number(document.getElementById("opt-threshold").value);
  status(t("msg.computing"));
  let r;
  try {
    r = await regionApi("/locate", { method: "POST", body: JSON.stringify({ service, model, p, threshold }) });
  } catch (err) {
    clearResult();  // never leave the previous service's result on screen
    if (err.status === 422 && /candidate sites/.test(err.message)) {
      const n = Number((err.message.match(/the (\d+) candidate/) || [])[1]);
      status(t("opt.err_p", { n: num(n) }), true);
      if (n) slider.max = String(n);
    } else showError(err);
    document.body.dataset.ready = "1";
    return;
  }
  if (!map) {
    const munis = await regionApi("/municipalities");
    map = await makeMap("map", bbox(munis));
    addMunicipalities(map, munis, "#f4f6f8");
    addPoints(map, "sites", EMPTY, pointColor, ["case", ["==", ["get", "chosen"], 1], 7, 4]);
  }
  map.getSource("sites").setData(r.facilities);
  document.getElementById("map").dataset.sites = String(r.sites.length);
  const dl = document.getElementById("opt-summary");
  dl.innerHTML = "";
  const todayText = r.today.sites ? ` (${t("opt.today", { n: num(r.today.sites) })}: ${num(r.today.mean_min, 1)} min)` : "";
  const todayShare = r.today.sites ? ` (${t("opt.today", { n: num(r.today.sites) })}: ${pct(r.today.share_within)})` : "";
  const newNames = r.sites_table.filter((row) => !row.existing).map(siteName);
  const rows = [
    [t("opt.model"), model === "p-median" ? t("opt.pmedian") : t("opt.mclp")],
    [t("opt.p"), num(r.p)],
    [t("opt.mean_min"), `${num(r.mean_min, 1)} min${todayText}`],
    [t("opt.share_within", { min: num(r.threshold_min) }), `${pct(r.share_within)}${todayShare}`],
    [model === "p-median" ? t("opt.objective_pmedian") : t("opt.objective_mclp"), num(r.objective, 0)],
    [t("opt.new_sites"), newNames.length ? newNames.map(escapeHtml).join(", ") : t("opt.none")],
    [t("opt.status"), t(`opt.status_${r.status}`)],
  ];
  for (const [k, v] of rows) dl.insertAdjacentHTML("beforeend", `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`);
  fillTable(document.getElementById("opt-table"), [
    { key: "name", label: t("col.name"), fmt: (_v, row) => siteName(row) },
    { key: "existing", label: t("opt.kind"), fmt: (v, row) => (v ? t("opt.kind_existing") : t(`opt.kind_${row.kind}`)) },
    { key: "served_weight", label: t("opt.served_unit"), num: true, fmt: (v) => num(v) },
    { key: "demand_points", label: t("opt.demand_points"), num: true, fmt: (v) => num(v) },
  ], r.sites_table);
  slider.max = String(r.candidates);
  document.getElementById("opt-candidates").textContent = t("opt.candidates_note", { n: num(r.candidates) });
  document.body.dataset.result = service;
  status(t("msg.ready"));
  document.body.dataset.ready = "1";
}

function setP(value) {
  const slider = document.getElementById("opt-p");
  slider.value = String(value);
  document.getElementById("opt-p-out").textContent = slider.value;
}

async function main() {
  const sel = document.getElementById("opt-service");
  for (const ty of await regionApi("/access/services")) sel.add(new Option(t(`svc.${ty}`), ty, false, ty === "health_station"));
  const [points, munis] = await Promise.all([regionApi("/service-points"), regionApi("/municipalities")]);
  for (const f of points.features) today[f.properties.type] = (today[f.properties.type] || 0) + 1;
  muniNames = Object.fromEntries(munis.features.map((f) => [f.properties.code, f.properties.name_fi]));
  const slider = document.getElementById("opt-p");
  slider.addEventListener("input", () => { document.getElementById("opt-p-out").textContent = slider.value; });
  // a new service starts from today's number of its points (one for the emergency department)
  sel.addEventListener("change", () => { setP(Math.max(1, today[sel.value] || 1)); run().catch(showError); });
  document.getElementById("opt-form").addEventListener("submit", (e) => run(e).catch(showError));
  document.getElementById("opt-legend").innerHTML = [
    [COLORS.chosenExisting, "opt.legend_chosen_existing"], [COLORS.chosenNew, "opt.legend_chosen_new"],
    [COLORS.existing, "opt.legend_existing"], [COLORS.candidate, "opt.legend_candidate"],
  ].map(([c, k]) => `<span style="background:${c}; border-radius:50%"></span>${escapeHtml(t(k))}`).join("");
  setP(today[sel.value] || 10);
  await run();
}
main().catch(showError);
