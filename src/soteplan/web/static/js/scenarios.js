// Scenarios: list, edit, validate, save and run with progress.
import { api, t, num, status, showError, fillTable, LANG } from "./common.js";

const out = document.getElementById("sc-output");
const token = document.getElementById("sc-token");
token.value = sessionStorage.getItem("soteplan-token") || "";
token.addEventListener("change", () => sessionStorage.setItem("soteplan-token", token.value));
const auth = () => ({ Authorization: `Bearer ${token.value}` });

function doc() {
  try { return JSON.parse(document.getElementById("sc-doc").value || "{}"); } catch (e) { throw new Error(`JSON: ${e.message}`); }
}

async function validate() {
  const r = await api("/scenarios/validate", { method: "POST", body: JSON.stringify({ scenario: doc() }) });
  out.textContent = JSON.stringify(r.scenario, null, 2);
  status(t("sc.valid"));
}

async function saveRun(ev) {
  ev.preventDefault();
  const started = await api("/scenarios", { method: "POST", headers: auth(), body: JSON.stringify({ scenario: doc() }) });
  const bar = document.getElementById("sc-progress");
  const events = new EventSource(started.links.events);
  events.addEventListener("progress", (e) => { const s = JSON.parse(e.data); if (s.total) { bar.max = s.total; bar.value = s.done; } status(`${t("sc.progress")}: ${s.state}`); });
  events.addEventListener("end", async () => {
    events.close();
    try { const r = await api(`/jobs/${started.job.id}/result`); out.textContent = JSON.stringify(r.result, null, 2).slice(0, 20000); status(t("msg.ready")); }
    catch (err) { showError(err); }
    list().catch(() => {});
  });
}

async function list() {
  const ul = document.getElementById("sc-list");
  const sa = document.getElementById("sc-a"), sb = document.getElementById("sc-b");
  ul.innerHTML = ""; sa.innerHTML = ""; sb.innerHTML = "";
  try {
    const runs = await api("/scenarios");
    if (!runs.length) ul.insertAdjacentHTML("beforeend", `<li>${t("sc.no_runs")}</li>`);
    runs.forEach((r, i) => {
      const li = document.createElement("li");
      li.textContent = `${r.name} · ${r.id.slice(0, 8)} · ${String(r.created_at ?? "").slice(0, 19)} · `;
      const a = document.createElement("a");
      a.href = `/report.pdf?run=${encodeURIComponent(r.id)}&lang=${LANG}`;
      a.textContent = t("report.download");
      a.setAttribute("download", "");
      li.appendChild(a);
      ul.appendChild(li);
      sa.add(new Option(`${r.name} (${r.id})`, r.id, false, i === 1));
      sb.add(new Option(`${r.name} (${r.id})`, r.id, false, i === 0));
    });
  } catch (err) {
    const li = document.createElement("li");
    li.textContent = err.status === 501 ? `${t("msg.not_available")}: ${err.message}` : err.message;
    ul.appendChild(li);
  }
}

function autoColumns(rows) {
  if (!rows.length) return [];
  return Object.keys(rows[0]).map((k) => ({ key: k, label: k, num: typeof rows[0][k] === "number",
    fmt: (v) => (typeof v === "number" ? num(v, Number.isInteger(v) ? 0 : Math.abs(v) < 100 ? 1 : 0) : v ?? "–") }));
}

async function compareRuns(ev) {
  ev.preventDefault();
  const a = document.getElementById("sc-a").value, b = document.getElementById("sc-b").value;
  status(t("msg.computing"));
  const c = await api("/scenarios/compare", { method: "POST", body: JSON.stringify({ models: [a, b] }) });
  document.getElementById("sc-price").textContent = c.meta?.price_year ? t("sc.price_year", { year: c.meta.price_year }) : "";
  fillTable(document.getElementById("sc-cost"), autoColumns(c.cost), c.cost);
  fillTable(document.getElementById("sc-access"), autoColumns(c.access), c.access);
  status(t("msg.ready"));
}

document.getElementById("sc-compare-form").addEventListener("submit", (e) => compareRuns(e).catch(showError));
document.getElementById("sc-validate").addEventListener("click", () => validate().catch(showError));
document.getElementById("sc-form").addEventListener("submit", (e) => saveRun(e).catch(showError));
document.getElementById("sc-doc").value = JSON.stringify({ name: "baseline", base_year: 2020, target_year: 2040 }, null, 2);
list().then(() => { document.body.dataset.ready = "1"; });
