// Shared helpers of the soteplan pages: API calls, messages, number formats, maps.
import * as maplibregl from "/static/vendor/maplibre/maplibre-gl.mjs";

export const REGION = document.body.dataset.region;
export const LANG = document.body.dataset.lang;
const MESSAGES = JSON.parse(document.getElementById("messages").textContent);
const LOCALE = LANG === "fi" ? "fi-FI" : "en-GB";

/** The message `key` in the page language, with {name} placeholders filled. */
export function t(key, params = {}) {
  let s = MESSAGES[key] ?? key;
  for (const [k, v] of Object.entries(params)) s = s.replace(`{${k}}`, v);
  return s;
}

const NOTE_PATTERNS = JSON.parse(document.getElementById("note-patterns")?.textContent || "[]").map(([p, m]) => [new RegExp(p), m]);

/** An engine's English method/approximation note in the page language (as the report does). */
export function note(text) {
  const s = String(text ?? "").trim();
  for (const [re, msg] of NOTE_PATTERNS) {
    const m = s.match(re);
    if (m) return m.slice(1).reduce((acc, v, i) => acc.replace(`{${i}}`, v), msg);
  }
  return s;
}

/** A ";"-separated list of notes, each translated. */
export const notes = (text) => String(text ?? "").split(/;\s*/).filter(Boolean).map(note).join("; ");

/** Format a number in the page locale. */
export function num(x, digits = 0) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return Number(x).toLocaleString(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
export const pct = (x, digits = 1) => (x === null || x === undefined ? "–" : `${num(100 * x, digits)} %`);

/** Show a status line (errors are announced to screen readers). */
export function status(text, isError = false) {
  const el = document.getElementById("status");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

/** Call the API; throws an Error carrying the error envelope's message. */
export async function api(path, options = {}) {
  const opts = { ...options, headers: { "Content-Type": "application/json", ...(options.headers || {}) } };
  const resp = await fetch(`/api/v1${path}`, opts);
  const body = await resp.json();
  if (!resp.ok) {
    const err = new Error(body.error || resp.statusText);
    err.status = resp.status;
    throw err;
  }
  return body;
}
export const regionApi = (path, options) => api(`/regions/${REGION}${path}`, options);

/** Report an API failure in the page language (the API's English detail goes to the console). */
export function showError(err) {
  if (err?.message) console.warn("soteplan:", err.status ?? "", err.message);
  const st = err?.status;
  if (st === 503 && /SOTEPLAN_API_TOKEN/.test(err.message)) status(t("err.auth_disabled"), true);
  else if (st === 401) status(t("err.auth_missing"), true);
  else if (st === 501) status(t("msg.not_available"), true);
  else if (st === 400 || st === 422) status(t("err.invalid", { status: st }), true);
  else if (st === 404) status(t("err.not_found"), true);
  else if (st === 409) status(t("err.infeasible"), true);
  else if (st === 413) status(t("err.too_large"), true);
  else if (st) status(t("err.server", { status: st }), true);
  else status(err instanceof TypeError ? t("err.network") : `${t("msg.error")}: ${err?.message ?? ""}`, true);
}

/** A map with a plain background (no external tiles), fitted to a GeoJSON. */
export function makeMap(container, bounds) {
  const map = new maplibregl.Map({
    container,
    style: { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f3" } }] },
    bounds, fitBoundsOptions: { padding: 20 }, attributionControl: false, preserveDrawingBuffer: true,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: t("footer.data") }));
  return new Promise((resolve) => map.on("load", () => resolve(map)));
}

/** Bounding box [[w, s], [e, n]] of a FeatureCollection. */
export function bbox(fc) {
  let w = 180, s = 90, e = -180, n = -90;
  const visit = (c) => {
    if (typeof c[0] === "number") { w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]); }
    else c.forEach(visit);
  };
  fc.features.forEach((f) => f.geometry && visit(f.geometry.coordinates));
  return [[w, s], [e, n]];
}

/** Add municipality polygons with an optional fill colour expression. */
export function addMunicipalities(map, fc, fill = "#dfe6ec") {
  map.addSource("munis", { type: "geojson", data: fc });
  map.addLayer({ id: "munis-fill", type: "fill", source: "munis", paint: { "fill-color": fill, "fill-opacity": 0.85 } });
  map.addLayer({ id: "munis-line", type: "line", source: "munis", paint: { "line-color": "#5a6b7a", "line-width": 1 } });
}

/** Add points as circles; `color` may be a MapLibre expression. */
export function addPoints(map, id, fc, color = "#0b4f8a", radius = 6) {
  map.addSource(id, { type: "geojson", data: fc });
  map.addLayer({ id, type: "circle", source: id, paint: {
    "circle-color": color, "circle-radius": radius, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5 } });
}

/** Popup with the feature's name on click. */
export function popupOn(map, layer, html) {
  map.on("click", layer, (e) => {
    const f = e.features[0];
    new maplibregl.Popup().setLngLat(e.lngLat).setHTML(html(f.properties)).addTo(map);
  });
  map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
}

/** Colour steps for a choropleth: returns [expression, legend entries]. */
export function steps(prop, breaks, colors) {
  const expr = ["step", ["coalesce", ["get", prop], -1], "#cccccc", breaks[0], colors[0]];
  for (let i = 1; i < breaks.length; i++) expr.push(breaks[i], colors[i]);
  return expr;
}

/** Fill a table: columns [{key, label, num, fmt, cls, lang}], rows of objects.
 *  ``lang`` marks a column of proper names in another language (WCAG 3.1.2, language of parts),
 *  e.g. Finnish service names on the English page. */
export function fillTable(table, columns, rows, rowClass) {
  const thead = table.querySelector("thead");
  thead.innerHTML = "";
  const tr = document.createElement("tr");
  for (const c of columns) {
    const th = document.createElement("th");
    th.scope = "col"; th.textContent = c.label; if (c.num) th.className = "num";
    tr.appendChild(th);
  }
  thead.appendChild(tr);
  const tbody = table.querySelector("tbody");
  tbody.innerHTML = "";
  for (const r of rows) {
    const row = document.createElement("tr");
    if (rowClass) row.className = rowClass(r);
    for (const c of columns) {
      const td = document.createElement("td");
      td.textContent = c.fmt ? c.fmt(r[c.key], r) : (r[c.key] ?? "");
      if (c.num) td.className = "num";
      if (c.cls) td.className += " " + c.cls(r[c.key], r);
      if (c.lang) td.lang = c.lang;
      row.appendChild(td);
    }
    tbody.appendChild(row);
  }
}

export function escapeHtml(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

export const SERVICE_COLORS = { health_station: "#0b4f8a", hospital: "#a4161a", emergency_department: "#e07a00" };
export const serviceColor = ["match", ["get", "type"], "health_station", "#0b4f8a", "hospital", "#a4161a", "emergency_department", "#e07a00", "#555555"];
