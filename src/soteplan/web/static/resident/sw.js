// Service worker of the resident pages: network first, the last copy when offline.
// It keeps only pages under /palveluohjaus and their own CSS/JS, in this browser only.
const CACHE = "palveluohjaus-v1";
const SHELL = [
  "/palveluohjaus?lang=fi",
  "/palveluohjaus?lang=sv",
  "/palveluohjaus?lang=en",
  "/static/resident/resident.css",
  "/static/resident/resident.js",
];
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const ours = url.origin === self.location.origin &&
    (url.pathname === "/palveluohjaus" || url.pathname.startsWith("/static/resident/"));
  if (event.request.method !== "GET" || !ours) return;
  event.respondWith(
    fetch(event.request)
      .then((resp) => {
        if (resp.ok) {
          const copy = resp.clone();
          caches.open(CACHE).then((c) => c.put(event.request, copy));
        }
        return resp;
      })
      .catch(() => caches.match(event.request).then((hit) => hit || caches.match("/palveluohjaus?lang=fi"))),
  );
});
