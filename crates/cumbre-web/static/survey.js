// Display logic on the survey page: show a question only when the answer it depends on is
// in its set. Without this script the server does the same in steps: it shows the
// questions that apply to the answers sent before it keeps anything.
(() => {
  const form = document.getElementById("survey");
  if (!form) return;
  if (form.elements.js) form.elements.js.value = "1";
  const selected = (key) =>
    Array.from(form.querySelectorAll(`[name="q.${key}"]`))
      .filter((input) => (input.type === "radio" || input.type === "checkbox" ? input.checked : input.value !== ""))
      .map((input) => input.value);
  const refresh = () => {
    form.querySelectorAll("[data-show-if]").forEach((question) => {
      const wanted = question.dataset.showValues.split(",");
      const shown = selected(question.dataset.showIf).some((v) => wanted.includes(v));
      question.hidden = !shown;
    });
  };
  form.addEventListener("change", refresh);
  refresh();
})();
