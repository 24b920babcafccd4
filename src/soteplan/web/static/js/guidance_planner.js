// Planner view of the guidance engine: unmet needs by postal area, residents' voice, directory.
import { api, t, num, status, showError, makeMap, addPoints, popupOn, escapeHtml, fillTable, steps } from "./common.js";

const BREAKS = [0, 10, 20, 30, 45];
const COLORS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"];
let map = null;

/** A code's label from the catalogue (``prefix.code``), else the code as given (imported types). */
function label(prefix, code) {
  const key = `${prefix}.${code}`;
  const text = t(key);
  return text === key ? code : text;
}

function pointsFc(rows, props) {
  return { type: "FeatureCollection", features: rows.map((r) => ({
    type: "Feature", geometry: { type: "Point", coordinates: [r.lon, r.lat] }, properties: props(r) })) };
}

async function load() {
  const need = document.getElementById("gp-need").value;
  const threshold = Number(document.getElementById("gp-threshold").value) || 30;
  status(t("msg.loading"));
  const [unmet, voice, dir] = await Promise.all([
    api(`/guidance/unmet?threshold=${threshold}&need=${encodeURIComponent(need)}`),
    api(`/guidance/voice?need=${encodeURIComponent(need)}&threshold=${threshold}`),
    api("/guidance/directory"),
  ]);
  fillTable(document.getElementById("gp-summary"), [
    { key: "need", label: t("gplan.need"), fmt: (v) => t(`gplan.need.${v.replace(/-/g, "_")}`) },
    { key: "areas", label: t("gplan.col.areas"), num: true, fmt: (v) => num(v) },
    { key: "areas_outside", label: t("gplan.col.areas_outside"), num: true, fmt: (v) => num(v) },
    { key: "population_outside", label: t("gplan.col.population_outside"), num: true, fmt: (v) => num(v) },
    { key: "max_min", label: t("gplan.col.max_min"), num: true, fmt: (v) => num(v, 1) }], unmet.summary);
  const outside = unmet.areas.filter((a) => !a.within).sort((a, b) => b.nearest_min - a.nearest_min);
  fillTable(document.getElementById("gp-outside"), [
    { key: "postcode", label: t("gplan.col.postcode") }, { key: "name", label: t("col.name") },
    { key: "population", label: t("col.population"), num: true, fmt: (v) => num(v) },
    { key: "nearest_min", label: t("gplan.col.nearest_min"), num: true, fmt: (v) => num(v, 1) },
    { key: "nearest_service", label: t("gplan.col.nearest_service"), lang: "fi" }], outside);
  const none = voice.survey === null;
  document.getElementById("gp-voice-none").hidden = !none;
  fillTable(document.getElementById("gp-voice"), [
    { key: "area", label: t("gplan.col.postcode") },
    { key: "answers", label: t("gplan.col.answers"), num: true, fmt: (v) => num(v) },
    { key: "mean_score", label: t("gplan.col.mean_score"), num: true, fmt: (v) => num(v, 2) },
    { key: "nearest_min", label: t("gplan.col.nearest_min"), num: true, fmt: (v) => num(v, 1) },
    { key: "themes", label: t("gplan.col.themes") },
    { key: "texts", label: t("gplan.col.texts"), fmt: (v) => (v || []).join(" · ") }], voice.areas);
  const sal = new Map(dir.service_at_locations.map((a) => [a.location_id, a.service_id]));
  const services = new Map(dir.services.map((s) => [s.id, s]));
  const locRows = dir.locations.map((l) => {
    const s = services.get(sal.get(l.id)) || {};
    const type = (s.attributes && s.attributes[0] && s.attributes[0].taxonomy_term.code) || "";
    return { lon: l.longitude, lat: l.latitude, name: s.name || l.name, type,
      imported: s.origin !== "region",
      example: !!s.example, channels: (s.channels || []).map((c) => label("resident.channel", c.kind)).join(", ") };
  });
  fillTable(document.getElementById("gp-directory"), [
    { key: "name", label: t("gplan.col.service"), lang: "fi" },
    { key: "type", label: t("gplan.col.type"), fmt: (v) => label("svc", v) },
    { key: "channels", label: t("gplan.col.channels") },
    { key: "imported", label: "", fmt: (v, r) => (v ? t("gplan.imported") : t("gplan.region_points")) + (r.example ? ` (${t("gplan.example")})` : "") }],
    locRows);
  const areasFc = pointsFc(unmet.areas, (a) => ({ name: a.name, postcode: a.postcode, min: a.nearest_min, service: a.nearest_service }));
  const locFc = pointsFc(locRows, (r) => ({ name: r.name, imported: r.imported ? 1 : 0 }));
  if (!map) {
    const lons = unmet.areas.map((a) => a.lon), lats = unmet.areas.map((a) => a.lat);
    map = await makeMap("map", [[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]]);
    addPoints(map, "areas", areasFc, steps("min", BREAKS, COLORS), 5);
    addPoints(map, "locations", locFc, ["match", ["get", "imported"], 1, "#e07a00", "#0b4f8a"], 4);
    popupOn(map, "areas", (p) => `<strong>${escapeHtml(p.postcode)} ${escapeHtml(p.name)}</strong><br>${num(p.min, 1)} min: ${escapeHtml(p.service)}`);
    popupOn(map, "locations", (p) => `<strong>${escapeHtml(p.name)}</strong>`);
  } else {
    map.getSource("areas").setData(areasFc);
    map.getSource("locations").setData(locFc);
  }
  document.getElementById("map").dataset.features = String(unmet.areas.length);
  status(t("gplan.loaded", { n: unmet.areas.length, s: locRows.length }));
  document.body.dataset.ready = "1";
}

document.getElementById("gp-form").addEventListener("submit", (e) => { e.preventDefault(); load().catch(showError); });
load().catch(showError);
