// Resident pages: a print button, focus on the answer, and a service worker for offline use.
// Everything works without this script; it only adds conveniences.
const print = document.getElementById("print");
if (print) {
  print.hidden = false;
  print.addEventListener("click", () => window.print());
}
const answer = document.getElementById("answer-h") || document.getElementById("err-h");
if (answer) answer.focus();
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/palveluohjaus/sw.js", { scope: "/palveluohjaus" }).catch(() => {});
}
document.body.dataset.ready = "1";
