// The mystery shopper's form works without a network: on sending, the filled form goes into
// a queue kept in this browser (localStorage) and is posted, with the key the page carries,
// until the server answers. A phone that lost its signal loses nothing (the queue survives
// reloads) and a retry stores nothing twice (the server recognises the key).
(() => {
  const form = document.getElementById("audit-form");
  const status = document.getElementById("offline-status");
  const storeKey = "cumbre-audit-queue";
  const load = () => JSON.parse(localStorage.getItem(storeKey) || "[]");
  const save = (queue) => localStorage.setItem(storeKey, JSON.stringify(queue));
  const show = (text) => {
    if (!status) return;
    status.hidden = !text;
    status.textContent = text || "";
  };

  let sending = false;
  // The report this page queued: when it goes, the browser shows the answer.
  let here = null;
  // Sends what waits, oldest first.
  const flush = async () => {
    if (sending) return;
    sending = true;
    try {
      while (load().length) {
        const item = load()[0];
        let response;
        try {
          response = await fetch(item.action, {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: item.body,
            credentials: "same-origin",
          });
        } catch (networkError) {
          break; // Still offline: keep the queue, try again later.
        }
        // Signed out meanwhile: keep it until the shopper signs in again.
        if (response.redirected && new URL(response.url).pathname === "/login") break;
        if (response.status >= 500 || response.status === 429) break;
        // Stored, a replay, or refused for good (the page shows why): it leaves the queue.
        save(load().filter((queued) => queued.id !== item.id));
        if (here && item.id === here) {
          if (response.ok && response.redirected) {
            window.location.assign(response.url);
          } else {
            // Refused: the answer is the page saying why.
            document.open();
            document.write(await response.text());
            document.close();
          }
          return;
        }
      }
    } finally {
      sending = false;
      const left = load().length;
      if (status && left) show(status.dataset.queued.replace("{}", String(left)));
    }
  };

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const id = form.dataset.offline + ":" + form.elements.key.value;
      const body = new URLSearchParams(new FormData(form)).toString();
      const queue = load().filter((queued) => queued.id !== id);
      queue.push({ id, action: form.action, body });
      save(queue);
      here = id;
      show(status ? status.dataset.queued.replace("{}", String(queue.length)) : "");
      flush();
    });
  }
  window.addEventListener("online", () => flush());
  setInterval(() => flush(), 5000);
  flush();
})();
