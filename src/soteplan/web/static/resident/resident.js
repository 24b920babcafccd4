// Resident pages: a print button, focus on the answer, and a service worker for offline use.
// Everything works without this script; it only adds conveniences.
const print = document.getElementById("print");
if (print) {
  print.hidden = false;
  print.addEventListener("click", () => window.print());
}
// "Use my location": the browser's geolocation fills the point field (rounded to about 100 m);
// the resident still sends the form, so nothing leaves the browser without a press.
const locate = document.getElementById("locate");
const pointField = document.getElementById("point");
if (locate && pointField && "geolocation" in navigator) {
  const say = (text) => { document.getElementById("locate-status").textContent = text; };
  locate.hidden = false;
  locate.addEventListener("click", () => {
    say(locate.dataset.locating);
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        pointField.value = `${pos.coords.latitude.toFixed(3)}, ${pos.coords.longitude.toFixed(3)}`;
        document.getElementById("postcode").value = "";
        document.getElementById("municipality").value = "";
        say(locate.dataset.located);
        pointField.focus();
      },
      (err) => say(err.code === 1 ? locate.dataset.denied : locate.dataset.failed),
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 },
    );
  });
}
const answer = document.getElementById("answer-h") || document.getElementById("err-h");
if (answer) answer.focus();
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/palveluohjaus/sw.js", { scope: "/palveluohjaus" }).catch(() => {});
}
document.body.dataset.ready = "1";
