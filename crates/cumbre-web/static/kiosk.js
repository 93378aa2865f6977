// Kiosk mode: answers go into a queue kept in this browser (localStorage) and are sent, oldest
// first, each with its own idempotency key, whenever the network allows. The page resets
// after every answer. A network cut loses nothing (the queue survives reloads) and a retry
// duplicates nothing (the server recognises the key).
(() => {
  const form = document.getElementById("survey");
  if (!form || !form.dataset.kiosk) return;
  const endpoint = form.dataset.kiosk;
  const storeKey = "cumbre-kiosk-queue:" + endpoint;
  const status = document.getElementById("kiosk-status");
  const thanks = document.getElementById("kiosk-thanks");
  const missing = document.getElementById("kiosk-missing");
  const load = () => JSON.parse(localStorage.getItem(storeKey) || "[]");
  const save = (queue) => localStorage.setItem(storeKey, JSON.stringify(queue));
  const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  const collect = () => {
    const answers = {};
    for (const el of form.elements) {
      const match = el.name && el.name.match(/^q\.([^.]+)(?:\.(.+))?$/);
      if (!match || el.closest("[hidden]")) continue;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      if (el.value === "") continue;
      const [, key, part] = match;
      if (part) {
        answers[key] = answers[key] || {};
        answers[key][part] = el.value;
      } else if (el.type === "checkbox") {
        (answers[key] = answers[key] || []).push(el.value);
      } else {
        answers[key] = el.value;
      }
    }
    return answers;
  };

  const unanswered = (answers) =>
    Array.from(form.querySelectorAll("[data-required]")).filter((q) => !q.hidden && !(q.dataset.key in answers));

  const render = () => {
    const pending = load().length;
    status.textContent = pending ? `${pending} ⏳` : "";
    status.dataset.pending = String(pending);
  };

  let sending = false;
  const flush = async () => {
    if (sending) return;
    sending = true;
    try {
      while (load().length) {
        const item = load()[0];
        let response;
        try {
          response = await fetch(endpoint, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(item),
          });
        } catch (networkError) {
          break; // Offline: keep the queue, try again later.
        }
        // Accepted, a replay, or refused for good: it leaves the queue. Otherwise retry later.
        if (response.ok || [404, 410, 422].includes(response.status)) {
          save(load().filter((queued) => queued.key !== item.key));
        } else {
          break;
        }
      }
    } finally {
      sending = false;
      render();
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const answers = collect();
    const empty = unanswered(answers);
    if (empty.length) {
      missing.hidden = false;
      empty[0].scrollIntoView({ behavior: "smooth" });
      return;
    }
    missing.hidden = true;
    const queue = load();
    queue.push({ key: newKey(), lang: form.elements.lang.value, submitted_at: new Date().toISOString(), answers });
    save(queue);
    form.reset();
    form.dispatchEvent(new Event("change"));
    window.scrollTo(0, 0);
    thanks.hidden = false;
    setTimeout(() => { thanks.hidden = true; }, 3000);
    render();
    flush();
  });

  window.addEventListener("online", flush);
  setInterval(flush, 2000);
  render();
  flush();
})();
