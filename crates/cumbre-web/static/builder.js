// The survey builder: edits the definition JSON in the page's textarea through forms
// (questions, translations, display logic) and shows the real respondent page, for the
// unsaved definition, in a phone-sized frame. The textarea stays the one source of truth:
// without this script it is a plain JSON editor, and saving always posts it.
(() => {
  const root = document.getElementById("builder");
  const textarea = document.getElementById("definition");
  const form = document.getElementById("definition-form");
  if (!root || !textarea || !form) return;
  const T = JSON.parse(root.dataset.texts || "{}");
  // [key, label] of the standards a scored question may ask the customer about.
  const STANDARDS = JSON.parse(root.dataset.standards || "[]");
  const t = (key) => T[key] || key;
  const csrf = form.querySelector('input[name="csrf"]').value;
  const status = document.getElementById("builder-status");
  const phone = document.getElementById("phone");
  const previewForm = document.getElementById("preview-form");
  const jsonEditor = document.getElementById("json-editor");

  const SCORES = { nps: [0, 10], csat: [1, 5], ces: [1, 7] };
  const TYPES = ["nps", "csat", "ces", "rating", "single_choice", "multiple_choice", "short_text", "long_text", "contact"];
  const isChoice = (type) => type === "single_choice" || type === "multiple_choice";
  const range = (q) => (q.type === "rating" ? [1, Number(q.scale) || 5] : SCORES[q.type]);

  let def;
  try {
    def = JSON.parse(textarea.value);
  } catch {
    return; // Unreadable JSON: leave the plain editor; saving reports where it breaks.
  }
  if (!def || typeof def !== "object" || !Array.isArray(def.questions)) return;

  // Languages in use: Spanish and English always, then any other found in the texts.
  const langs = ["es", "en"];
  const collect = (texts) => Object.keys(texts || {}).forEach((l) => langs.includes(l) || langs.push(l));
  [def.title, def.intro, def.thanks].forEach(collect);
  def.questions.forEach((q) => {
    collect(q.prompt);
    (q.options || []).forEach((o) => collect(o.label));
  });

  let dirty = false;
  let timer = null;
  let problems = [];

  // DOM helpers: text goes in through textContent and value only, never as markup.
  const el = (tag, attrs = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v === true) node.setAttribute(k, "");
      else if (v !== false && v !== undefined && v !== null) node.setAttribute(k, v);
    }
    children.forEach((c) => c && node.append(c));
    return node;
  };
  const button = (label, onclick, extra = {}) => el("button", { type: "button", class: "small", text: label, onclick, ...extra });

  // A translatable text: one input per language, side by side.
  const textsField = (label, owner, prop, path, { long = false, required = true } = {}) => {
    const texts = owner[prop] || {};
    if (required) owner[prop] = texts;
    const box = el("fieldset", { class: "texts", "data-path": path }, [el("legend", { text: label + (required ? " *" : "") })]);
    langs.forEach((lang) => {
      const input = el(long ? "textarea" : "input", { rows: long ? 2 : false, lang, "data-path": `${path}.${lang}`, "aria-label": `${label} (${lang})` });
      input.value = texts[lang] || "";
      input.addEventListener("input", () => {
        // An empty text is a missing one: the check then names the language it lacks.
        if (input.value === "") delete texts[lang];
        else texts[lang] = input.value;
        if (required || Object.keys(texts).length > 0) owner[prop] = texts;
        else delete owner[prop];
        changed(false);
      });
      box.append(el("label", { class: "lang-row" }, [el("span", { class: "lang-code", text: lang.toUpperCase() }), input]));
    });
    return box;
  };

  const uniqueKey = (base) => {
    const taken = new Set(def.questions.map((q) => q.key));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n += 1) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
  };

  const newQuestion = (type) => {
    const q = { key: uniqueKey(type), type, prompt: {}, required: ["nps", "csat", "ces", "rating"].includes(type) };
    if (type === "rating") q.scale = 5;
    if (isChoice(type)) q.options = [{ value: "option_1", label: {} }];
    return q;
  };

  // Changing a question's type keeps its key, prompt, requirement and condition.
  const retype = (q, type) => {
    const fresh = newQuestion(type);
    delete q.scale;
    delete q.options;
    // Only a scored question says whether a standard was met.
    if (!range({ type })) delete q.standard;
    q.type = type;
    if (fresh.scale) q.scale = fresh.scale;
    if (fresh.options) q.options = fresh.options;
    // Conditions that depended on this question's old answers no longer apply.
    def.questions.forEach((other) => {
      if (other.show_if && other.show_if.question === q.key) other.show_if.in = [];
    });
  };

  const conditionValues = (source) => {
    if (isChoice(source.type)) return (source.options || []).map((o) => [o.value, (o.label || {})[langs[0]] || o.value]);
    const r = range(source);
    if (!r) return [];
    const out = [];
    for (let n = r[0]; n <= r[1]; n += 1) out.push([n, String(n)]);
    return out;
  };

  const conditionField = (q, index) => {
    const path = `questions[${index}].show_if`;
    const sources = def.questions.slice(0, index).filter((p) => range(p) || isChoice(p.type));
    const select = el("select", { "data-path": `${path}.question`, "aria-label": t("builder.show_if") });
    select.append(el("option", { value: "", text: t("builder.always") }));
    sources.forEach((p) => select.append(el("option", { value: p.key, text: `${p.key} — ${(p.prompt || {})[langs[0]] || ""}` })));
    const current = q.show_if ? q.show_if.question : "";
    if (current && !sources.some((p) => p.key === current)) {
      select.append(el("option", { value: current, text: current }));
    }
    select.value = current;
    select.addEventListener("change", () => {
      if (select.value === "") delete q.show_if;
      else q.show_if = { question: select.value, in: [] };
      changed(true);
    });
    const box = el("div", { class: "condition", "data-path": path }, [el("label", { text: t("builder.show_if") + " " }, [select])]);
    const source = q.show_if && def.questions.slice(0, index).find((p) => p.key === q.show_if.question);
    if (source) {
      const values = el("div", { class: "values", role: "group", "aria-label": t("builder.show_when"), "data-path": `${path}.in` }, [el("span", { class: "muted", text: t("builder.show_when") + " " })]);
      conditionValues(source).forEach(([value, label]) => {
        const box = el("input", { type: "checkbox" });
        box.checked = q.show_if.in.some((v) => String(v) === String(value));
        box.addEventListener("change", () => {
          q.show_if.in = q.show_if.in.filter((v) => String(v) !== String(value));
          if (box.checked) q.show_if.in.push(value);
          // Keep the order of the scale or of the options.
          const order = conditionValues(source).map(([v]) => String(v));
          q.show_if.in.sort((a, b) => order.indexOf(String(a)) - order.indexOf(String(b)));
          changed(false);
        });
        values.append(el("label", { class: "pill-check" }, [box, ` ${label}`]));
      });
      box.append(values);
    }
    return box;
  };

  const optionsField = (q, index) => {
    const path = `questions[${index}].options`;
    const box = el("div", { class: "options", "data-path": path });
    q.options.forEach((o, j) => {
      const value = el("input", { class: "code", "data-path": `${path}[${j}].value`, "aria-label": t("builder.option_value"), size: 14 });
      value.value = o.value;
      value.addEventListener("input", () => {
        const old = o.value;
        o.value = value.value;
        def.questions.forEach((other) => {
          if (other.show_if && other.show_if.question === q.key) other.show_if.in = other.show_if.in.map((v) => (v === old ? o.value : v));
        });
        changed(false);
      });
      const row = el("div", { class: "option-row", "data-path": `${path}[${j}]` }, [
        el("label", { class: "option-value" }, [el("span", { class: "muted", text: t("builder.option_value") }), value]),
        textsField(t("builder.option_label"), o, "label", `${path}[${j}].label`),
        el("span", { class: "row-actions" }, [
          button("↑", () => move(q.options, j, -1), { "aria-label": t("builder.up"), disabled: j === 0 }),
          button("↓", () => move(q.options, j, 1), { "aria-label": t("builder.down"), disabled: j === q.options.length - 1 }),
          button("✕", () => { q.options.splice(j, 1); changed(true); }, { "aria-label": t("builder.delete"), class: "small danger" }),
        ]),
      ]);
      box.append(row);
    });
    box.append(button(t("builder.add_option"), () => {
      const taken = new Set(q.options.map((o) => o.value));
      let n = q.options.length + 1;
      while (taken.has(`option_${n}`)) n += 1;
      q.options.push({ value: `option_${n}`, label: {} });
      changed(true);
    }));
    return box;
  };

  const move = (list, i, by) => {
    const j = i + by;
    if (j < 0 || j >= list.length) return;
    [list[i], list[j]] = [list[j], list[i]];
    changed(true);
  };

  // The standard a scored question asks the customer about: its top box counts as met.
  const standardField = (q, index) => {
    const path = `questions[${index}].standard`;
    const select = el("select", { "data-path": path });
    select.append(el("option", { value: "", text: t("builder.standard_none") }));
    STANDARDS.forEach(([key, label]) => select.append(el("option", { value: key, text: label })));
    if (q.standard && !STANDARDS.some(([key]) => key === q.standard)) {
      select.append(el("option", { value: q.standard, text: q.standard }));
    }
    select.value = q.standard || "";
    select.addEventListener("change", () => {
      if (select.value === "") delete q.standard;
      else q.standard = select.value;
      changed(false);
    });
    return el("label", { class: "standard-link", "data-path": path }, [el("span", { text: t("builder.standard") + " " }), select]);
  };

  const questionCard = (q, i) => {
    const path = `questions[${i}]`;
    const type = el("select", { "data-path": `${path}.type`, "aria-label": t("builder.type") });
    TYPES.forEach((ty) => type.append(el("option", { value: ty, text: t(`qtype.${ty}`) })));
    type.value = q.type;
    type.addEventListener("change", () => { retype(q, type.value); changed(true); });
    const key = el("input", { class: "code", size: 16, "data-path": `${path}.key`, "aria-label": t("builder.key") });
    key.value = q.key;
    key.addEventListener("change", () => {
      const old = q.key;
      q.key = key.value.trim();
      def.questions.forEach((other) => {
        if (other.show_if && other.show_if.question === old) other.show_if.question = q.key;
      });
      changed(true);
    });
    const required = el("input", { type: "checkbox" });
    required.checked = !!q.required;
    required.addEventListener("change", () => { q.required = required.checked; changed(false); });
    const card = el("section", { class: "card question-card", "data-path": path, "data-key": q.key }, [
      el("div", { class: "question-head" }, [
        el("strong", { class: "number", text: `${i + 1}.` }),
        type,
        el("label", {}, [el("span", { class: "muted", text: t("builder.key") + " " }), key]),
        el("label", { class: "check" }, [required, ` ${t("builder.required")}`]),
        el("span", { class: "row-actions" }, [
          button("↑", () => move(def.questions, i, -1), { "aria-label": `${t("builder.up")} ${i + 1}`, disabled: i === 0 }),
          button("↓", () => move(def.questions, i, 1), { "aria-label": `${t("builder.down")} ${i + 1}`, disabled: i === def.questions.length - 1 }),
          button("✕", () => { def.questions.splice(i, 1); changed(true); }, { "aria-label": `${t("builder.delete")} ${i + 1}`, class: "small danger" }),
        ]),
      ]),
      textsField(t("builder.prompt"), q, "prompt", `${path}.prompt`, { long: true }),
    ]);
    if (q.type === "rating") {
      const scale = el("input", { type: "number", min: 2, max: 10, "data-path": `${path}.scale` });
      scale.value = q.scale;
      scale.addEventListener("change", () => { q.scale = Number(scale.value); changed(true); });
      card.append(el("label", {}, [el("span", { text: t("builder.scale") + " " }), scale]));
    }
    if (isChoice(q.type)) card.append(optionsField(q, i));
    if (range(q) && (STANDARDS.length > 0 || q.standard)) card.append(standardField(q, i));
    if (i > 0) card.append(conditionField(q, i));
    return card;
  };

  const languagesBar = () => {
    const bar = el("div", { class: "languages" });
    langs.forEach((lang) => {
      const chip = el("span", { class: "tag", text: lang.toUpperCase() });
      if (lang !== "es" && lang !== "en") {
        chip.append(button("✕", () => {
          langs.splice(langs.indexOf(lang), 1);
          const drop = (texts) => texts && delete texts[lang];
          [def.title, def.intro, def.thanks].forEach(drop);
          def.questions.forEach((q) => { drop(q.prompt); (q.options || []).forEach((o) => drop(o.label)); });
          changed(true);
        }, { "aria-label": `${t("builder.remove_language")} ${lang}`, class: "link" }));
      }
      bar.append(chip, " ");
    });
    const code = el("input", { size: 3, maxlength: 2, pattern: "[a-z]{2}", "aria-label": t("builder.language_code"), placeholder: "fr" });
    bar.append(code, button(t("builder.add_language"), () => {
      const c = code.value.trim().toLowerCase();
      if (/^[a-z]{2}$/.test(c) && !langs.includes(c)) {
        langs.push(c);
        render();
      }
    }));
    return bar;
  };

  const render = () => {
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.path : null;
    root.replaceChildren(
      languagesBar(),
      el("section", { class: "card" }, [
        textsField(t("builder.title_field"), def, "title", "title"),
        textsField(t("builder.intro"), def, "intro", "intro", { long: true, required: false }),
        textsField(t("builder.thanks"), def, "thanks", "thanks", { required: false }),
      ]),
      el("div", { id: "builder-problems", role: "alert" }),
      el("div", { class: "questions", "data-path": "questions" }, def.questions.map(questionCard)),
      addBar(),
    );
    if (focused) {
      const again = root.querySelector(`[data-path="${CSS.escape(focused)}"]`);
      if (again && again.focus) again.focus();
    }
    showProblems();
  };

  const addBar = () => {
    const type = el("select", { "aria-label": t("builder.add_question") });
    TYPES.forEach((ty) => type.append(el("option", { value: ty, text: t(`qtype.${ty}`) })));
    return el("div", { class: "add-question" }, [
      type,
      button(t("builder.add_question"), () => {
        def.questions.push(newQuestion(type.value));
        changed(true);
        const cards = root.querySelectorAll(".question-card");
        const last = cards[cards.length - 1];
        if (last) last.querySelector("textarea, input").focus();
      }, { id: "add-question", class: "" }),
    ]);
  };

  // Problems go beside the field they concern; a path with no field of its own goes to the
  // nearest enclosing one (`questions[2].options[0].label` → the option's label texts).
  const showProblems = () => {
    root.querySelectorAll(".builder-error").forEach((n) => n.remove());
    root.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    const summary = document.getElementById("builder-problems");
    if (!summary) return;
    summary.replaceChildren();
    if (problems.length === 0) return;
    const list = el("ul");
    problems.forEach(({ path, message }) => {
      list.append(el("li", { text: path ? `${path}: ${message}` : message }));
      let p = path;
      let target = null;
      while (p && !(target = root.querySelector(`[data-path="${CSS.escape(p)}"]`))) {
        p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
        if (p === path) break;
      }
      if (target) {
        target.setAttribute("aria-invalid", "true");
        const note = el("p", { class: "error builder-error", text: message });
        if (target.matches("input, select, textarea")) target.after(note);
        else target.append(note);
      }
    });
    summary.append(el("p", { class: "error", text: `${t("builder.problems")}: ${problems.length}` }), list);
  };

  const say = (text) => { if (status) status.textContent = text; };

  // Every change writes the JSON back, then (after a pause in typing) asks the server to
  // check it and, when it passes, refreshes the preview.
  const changed = (structural) => {
    textarea.value = JSON.stringify(def, null, 2);
    dirty = true;
    say(t("builder.unsaved"));
    if (structural) render();
    schedule();
  };

  // The preview says when it is behind the forms (`aria-busy`), for people and for tests.
  const busy = (on) => phone && phone.setAttribute("aria-busy", String(on));
  const schedule = () => {
    busy(true);
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      checkNow();
    }, 400);
  };

  let previewLang = previewForm ? previewForm.querySelector('input[name="lang"]').value : "es";
  const frame = document.getElementById("preview-frame");
  if (frame) frame.addEventListener("load", () => { if (timer === null) busy(false); });
  const refreshPreview = () => {
    if (!previewForm) return;
    busy(true);
    previewForm.querySelector('input[name="definition"]').value = textarea.value;
    previewForm.querySelector('input[name="lang"]').value = previewLang;
    previewForm.submit();
  };

  const checkNow = async () => {
    say(t("builder.checking"));
    const body = new URLSearchParams({ csrf, definition: textarea.value });
    try {
      const response = await fetch(root.dataset.check, { method: "POST", body, credentials: "same-origin" });
      const data = await response.json();
      problems = data.errors || [];
    } catch {
      problems = [];
      say("");
      busy(false);
      return;
    }
    showProblems();
    if (problems.length === 0) {
      say(dirty ? `${t("builder.no_problems")} · ${t("builder.unsaved")}` : t("builder.no_problems"));
      refreshPreview();
    } else {
      say(`${t("builder.problems")}: ${problems.length}`);
      if (timer === null) busy(false);
    }
  };

  // Editing the JSON by hand still works: the forms follow whenever it reads as a survey.
  textarea.addEventListener("input", () => {
    try {
      const next = JSON.parse(textarea.value);
      if (next && Array.isArray(next.questions)) {
        def = next;
        [def.title, def.intro, def.thanks].forEach(collect);
        def.questions.forEach((q) => { collect(q.prompt); (q.options || []).forEach((o) => collect(o.label)); });
        dirty = true;
        render();
        schedule();
      }
    } catch {
      // Half-typed JSON: wait for more.
    }
  });

  document.querySelectorAll("[data-preview-lang]").forEach((b) =>
    b.addEventListener("click", () => {
      previewLang = b.dataset.previewLang;
      document.querySelectorAll("[data-preview-lang]").forEach((o) => o.setAttribute("aria-pressed", String(o === b)));
      refreshPreview();
    }),
  );

  form.addEventListener("submit", (event) => {
    if (problems.length > 0) {
      event.preventDefault();
      const summary = document.getElementById("builder-problems");
      if (summary) summary.scrollIntoView({ block: "center" });
      return;
    }
    dirty = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });

  root.hidden = false;
  if (phone) phone.hidden = false;
  if (jsonEditor) jsonEditor.open = false;
  render();
  refreshPreview();
})();
