// The mystery shopper's form works without a network: on sending, the filled form goes into
// a queue kept in this browser (localStorage) and is posted, with the key the page carries,
// until the server answers. A phone that lost its signal loses nothing (the queue survives
// reloads) and a retry stores nothing twice (the server recognises the key). Photos are
// scaled down and re-encoded here (which also drops what the camera wrote beside the
// picture) and travel in the queued form as data URLs.
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

  // A picture at most `MAX_SIDE` pixels on its longer side, as a JPEG data URL.
  const MAX_SIDE = 1280;
  // Read as a data URL: the page's policy lets images come from data: (not blob:).
  const shrink = (file) =>
    new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onerror = () => reject(new Error("unreadable"));
      reader.onload = () => {
        const img = new Image();
        img.onload = () => {
          const scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
          const canvas = document.createElement("canvas");
          canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
          canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          resolve(canvas.toDataURL("image/jpeg", 0.7));
        };
        img.onerror = () => reject(new Error("not an image"));
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });

  if (form) {
    // Photos need this script (scaling, the offline queue): without it the fields stay hidden.
    form.querySelectorAll(".photo-field").forEach((field) => { field.hidden = false; });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const id = form.dataset.offline + ":" + form.elements.key.value;
      const params = new URLSearchParams(new FormData(form));
      for (const field of form.querySelectorAll(".photo-field")) {
        const input = field.querySelector("input[type=file]");
        const files = Array.from(input.files || []);
        if (files.length > Number(input.dataset.max || 3)) {
          show(status.dataset.tooMany);
          input.focus();
          return;
        }
        for (const file of files) {
          try {
            params.append(field.dataset.photos, await shrink(file));
          } catch (notAnImage) {
            // The server says why a photo is refused; an unreadable file is left out.
          }
        }
      }
      const body = params.toString();
      const queue = load().filter((queued) => queued.id !== id);
      queue.push({ id, action: form.action, body });
      try {
        save(queue);
      } catch (quotaExceeded) {
        show(status.dataset.tooBig);
        return;
      }
      here = id;
      show(status ? status.dataset.queued.replace("{}", String(queue.length)) : "");
      flush();
    });
  }
  window.addEventListener("online", () => flush());
  setInterval(() => flush(), 5000);
  flush();
})();
