// Optimise: p-median or maximal covering with a slider for p.
import { regionApi, t, num, status, showError, makeMap, bbox, addMunicipalities, addPoints, fillTable } from "./common.js";

let map = null;

async function run(ev) {
  ev?.preventDefault();
  const service = document.getElementById("opt-service").value;
  const model = document.querySelector("input[name=model]:checked").value;
  const p = Number(document.getElementById("opt-p").value);
  const threshold = Number(document.getElementById("opt-threshold").value);
  status(t("msg.computing"));
  const r = await regionApi("/locate", { method: "POST", body: JSON.stringify({ service, model, p, threshold }) });
  const chosen = new Set(r.sites);
  for (const f of r.facilities.features) f.properties.chosen = chosen.has(f.properties.id) ? 1 : 0;
  if (!map) {
    const munis = await regionApi("/municipalities");
    map = await makeMap("map", bbox(munis));
    addMunicipalities(map, munis, "#f4f6f8");
    addPoints(map, "sites", r.facilities, ["case", ["==", ["get", "chosen"], 1], "#1b6b2f", "#b0b0b0"], 6);
  } else map.getSource("sites").setData(r.facilities);
  const dl = document.getElementById("opt-summary");
  dl.innerHTML = "";
  for (const [k, v] of [[t("opt.model"), model], ["p", r.p], [t("opt.objective"), num(r.objective, 0)], [t("opt.status"), r.status]]) {
    dl.insertAdjacentHTML("beforeend", `<dt>${k}</dt><dd>${v}</dd>`);
  }
  fillTable(document.getElementById("opt-table"), [
    { key: "name", label: t("col.name") },
    { key: "served_weight", label: t("opt.served"), num: true, fmt: (v) => num(v) },
    { key: "demand_points", label: t("opt.demand_points"), num: true, fmt: (v) => num(v) },
  ], r.sites_table);
  const slider = document.getElementById("opt-p");
  slider.max = String(r.facilities.features.length);
  status(t("msg.ready"));
  document.body.dataset.ready = "1";
}

async function main() {
  const sel = document.getElementById("opt-service");
  for (const ty of await regionApi("/access/services")) sel.add(new Option(t(`svc.${ty}`), ty, false, ty === "health_station"));
  const slider = document.getElementById("opt-p");
  slider.addEventListener("input", () => { document.getElementById("opt-p-out").textContent = slider.value; });
  document.getElementById("opt-form").addEventListener("submit", (e) => run(e).catch(showError));
  await run();
}
main().catch(showError);
