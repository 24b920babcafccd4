// Scenarios: list, edit, validate, save and run with progress.
import { api, t, status, showError } from "./common.js";

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
  ul.innerHTML = "";
  try {
    for (const s of await api("/scenarios")) {
      const li = document.createElement("li");
      li.textContent = s.name ?? s.id ?? JSON.stringify(s);
      ul.appendChild(li);
    }
  } catch (err) {
    const li = document.createElement("li");
    li.textContent = err.status === 501 ? `${t("msg.not_available")}: ${err.message}` : err.message;
    ul.appendChild(li);
  }
}

document.getElementById("sc-validate").addEventListener("click", () => validate().catch(showError));
document.getElementById("sc-form").addEventListener("submit", (e) => saveRun(e).catch(showError));
document.getElementById("sc-doc").value = JSON.stringify({ name: "baseline", base_year: 2020, target_year: 2040 }, null, 2);
list().then(() => { document.body.dataset.ready = "1"; });
