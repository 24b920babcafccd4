// Overview: key figures, municipalities and service points on a map.
import { regionApi, t, num, status, showError, makeMap, bbox, addMunicipalities, addPoints, popupOn, escapeHtml, serviceColor, fillTable, steps } from "./common.js";

async function main() {
  status(t("msg.loading"));
  const [summary, munis, points] = await Promise.all([
    regionApi(""), regionApi("/municipalities"), regionApi("/service-points"),
  ]);
  document.getElementById("fig-population").textContent = `${num(summary.population)} ${t("unit.persons")}`;
  document.getElementById("fig-year").textContent = t("overview.on_31_dec", { year: summary.year });
  document.getElementById("fig-municipalities").textContent = num(summary.municipalities);
  for (const k of ["health_station", "hospital", "emergency_department"]) {
    document.getElementById(`fig-${k}`).textContent = num(summary.service_points[k] ?? 0);
  }
  const eng = document.getElementById("engines");
  for (const [name, ok] of Object.entries(summary.engines)) {
    const li = document.createElement("li");
    const label = t(`engine.${name}`);
    li.textContent = `${label === `engine.${name}` ? name : label}: ${ok ? t("msg.available") : t("msg.not_available")}`;
    eng.appendChild(li);
  }
  const rows = munis.features.map((f) => f.properties).sort((a, b) => (b.population ?? 0) - (a.population ?? 0));
  fillTable(document.getElementById("muni-table"), [
    { key: "code", label: t("col.code") }, { key: "name_fi", label: t("col.name") },
    { key: "population", label: t("col.population"), num: true, fmt: (v) => num(v) }], rows);
  const map = await makeMap("map", bbox(munis));
  addMunicipalities(map, munis, steps("population", [0, 5000, 10000, 20000, 50000], ["#f1f4f7", "#dbe5ee", "#c2d4e4", "#a5c0d8", "#86a9ca"]));
  addPoints(map, "points", points, serviceColor, 5);
  popupOn(map, "munis-fill", (p) => `<strong>${escapeHtml(p.name_fi)}</strong><br>${t("col.population")}: ${num(p.population)}`);
  popupOn(map, "points", (p) => `<strong>${escapeHtml(p.name)}</strong><br>${escapeHtml(t("svc." + p.type))}`);
  const popBreaks = [0, 5000, 10000, 20000, 50000], popColors = ["#f1f4f7", "#dbe5ee", "#c2d4e4", "#a5c0d8", "#86a9ca"];
  const pts = { health_station: "#0b4f8a", hospital: "#a4161a", emergency_department: "#e07a00" };
  document.getElementById("map-legend").innerHTML = `<strong>${escapeHtml(t("overview.legend_pop"))}</strong> ` +
    popBreaks.map((b, i) => `<span style="background:${popColors[i]}"></span>${num(b)}${i === popBreaks.length - 1 ? "+" : "–" + num(popBreaks[i + 1])}`).join("") +
    `<br><strong>${escapeHtml(t("overview.legend_points"))}</strong> ` +
    Object.entries(pts).map(([k, c]) => `<span style="background:${c}; border-radius:50%"></span>${escapeHtml(t("svc." + k))}`).join("") +
    `<br>${escapeHtml(t("src.overview"))}`;
  document.getElementById("map").dataset.features = String(points.features.length);
  document.body.dataset.ready = "1";
  status(t("overview.loaded", { n: points.features.length }));
}
main().catch(showError);
