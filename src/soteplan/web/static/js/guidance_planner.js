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
  // the survey's postal areas on the map, at the same points as the access figures
  const at = new Map(unmet.areas.map((a) => [a.postcode, a]));
  const voiceRows = voice.areas.filter((v) => v.area_kind === "postcode" && at.has(v.area))
    .map((v) => ({ ...v, lon: at.get(v.area).lon, lat: at.get(v.area).lat, name: at.get(v.area).name }));
  const voiceFc = pointsFc(voiceRows, (v) => ({ postcode: v.area, name: v.name, score: v.mean_score, answers: v.answers, min: v.nearest_min }));
  const locFc = pointsFc(locRows, (r) => ({ name: r.name, imported: r.imported ? 1 : 0 }));
  if (!map) {
    const lons = unmet.areas.map((a) => a.lon), lats = unmet.areas.map((a) => a.lat);
    map = await makeMap("map", [[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]]);
    addPoints(map, "areas", areasFc, steps("min", BREAKS, COLORS), 5);
    addPoints(map, "locations", locFc, ["match", ["get", "imported"], 1, "#e07a00", "#0b4f8a"], 4);
    popupOn(map, "areas", (p) => `<strong>${escapeHtml(p.postcode)} ${escapeHtml(p.name)}</strong><br>${num(p.min, 1)} min: ${escapeHtml(p.service)}`);
    popupOn(map, "locations", (p) => `<strong>${escapeHtml(p.name)}</strong>`);
    map.addSource("voice", { type: "geojson", data: voiceFc });
    map.addLayer({ id: "voice", type: "circle", source: "voice", paint: {
      "circle-radius": 11, "circle-opacity": 0, "circle-stroke-width": 3,
      "circle-stroke-color": ["interpolate", ["linear"], ["get", "score"], 1, "#d73027", 3, "#fee08b", 5, "#1a9850"] } });
    popupOn(map, "voice", (p) => `<strong>${escapeHtml(p.postcode)} ${escapeHtml(p.name)}</strong><br>` +
      `${escapeHtml(t("gplan.col.answers"))}: ${num(p.answers)}, ${escapeHtml(t("gplan.col.mean_score"))}: ${num(p.score, 2)}<br>` +
      `${escapeHtml(t("gplan.col.nearest_min"))}: ${num(p.min, 1)}`);
  } else {
    map.getSource("areas").setData(areasFc);
    map.getSource("locations").setData(locFc);
    map.getSource("voice").setData(voiceFc);
  }
  document.getElementById("map").dataset.features = String(unmet.areas.length);
  document.getElementById("map").dataset.voiceFeatures = String(voiceRows.length);
  document.getElementById("gp-survey-remove").hidden = none || document.getElementById("gp-upload").dataset.write !== "1";
  status(t("gplan.loaded", { n: unmet.areas.length, s: locRows.length }));
  document.body.dataset.ready = "1";
}

document.getElementById("gp-form").addEventListener("submit", (e) => { e.preventDefault(); load().catch(showError); });

// Survey upload: the file goes to PUT /api/v1/guidance/survey (the token cookie on loopback);
// its problems come back by row and column with a catalogue key, said here in the page language.
const fileInput = document.getElementById("gp-survey-file");
const msg = document.getElementById("gp-survey-msg");

function say(text, problems = []) {
  msg.replaceChildren();
  const p = document.createElement("p");
  p.textContent = text;
  msg.append(p);
  if (problems.length) {
    const ul = document.createElement("ul");
    for (const pr of problems) {
      const li = document.createElement("li");
      const where = pr.row ? t("gplan.upload_where", { row: pr.row, field: pr.field })
        : pr.field ? t("gplan.upload_where_field", { field: pr.field }) : "";
      li.textContent = (where ? `${where}: ` : "") + t(pr.key, pr.params || {});
      ul.append(li);
    }
    msg.append(ul);
  }
}

async function sendSurvey(file) {
  const resp = await fetch(`/api/v1/guidance/survey?name=${encodeURIComponent(file.name)}`, {
    method: "PUT", body: await file.arrayBuffer(), headers: { "Content-Type": "text/csv" },
    credentials: "same-origin" });
  const body = await resp.json();
  if (resp.status === 422 && body.problems) {
    fileInput.setAttribute("aria-invalid", "true");
    msg.classList.add("field-error");
    say(t("gplan.upload_failed", { file: file.name }), body.problems);
    document.body.dataset.upload = "error";
    return;
  }
  if (!resp.ok) {
    const err = new Error(body.error || resp.statusText);
    err.status = resp.status;
    throw err;
  }
  fileInput.removeAttribute("aria-invalid");
  msg.classList.remove("field-error");
  say(t("gplan.upload_ok", { file: body.survey.source, n: num(body.survey.answers), layout: body.survey.layout }));
  await load();
  document.body.dataset.upload = "ok";
}

document.getElementById("gp-upload").addEventListener("submit", (e) => {
  e.preventDefault();
  const file = fileInput.files && fileInput.files[0];
  if (!file) {
    fileInput.setAttribute("aria-invalid", "true");
    say(t("gplan.upload_none"));
    fileInput.focus();
    return;
  }
  sendSurvey(file).catch((err) => { document.body.dataset.upload = "error"; showError(err); });
});
document.getElementById("gp-survey-remove").addEventListener("click", () => {
  fetch("/api/v1/guidance/survey", { method: "DELETE", credentials: "same-origin" })
    .then((r) => { if (!r.ok) throw Object.assign(new Error(r.statusText), { status: r.status }); })
    .then(() => { say(t("gplan.upload_removed")); return load(); })
    .catch(showError);
});
load().catch(showError);
