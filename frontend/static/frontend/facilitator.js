// Session note autosave. The page works without this (the form posts); with it, the note is
// saved through the API as you type, and never lost on a bad connection:
//  - every change is kept in localStorage first, and removed only once the server confirms
//    a save of exactly that text;
//  - a failed save (offline, timeout, 5xx) is retried with backoff, and at once when the
//    browser comes back online; the status says "Not saved yet — retrying" meanwhile;
//  - a 409 (someone saved since the revision we hold) stops autosaving and shows both
//    versions; the person's text stays in the form until they choose.

const stateEl = document.getElementById("note-state");
const form = document.getElementById("note-form");

if (stateEl && form) {
  const state = JSON.parse(stateEl.textContent);
  // Every word this script shows, in the page's language (frontend/facilitator/views/sessions.py).
  const T = state.strings || {};
  const fmt = (key, params) => (T[key] || key).replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  const storageKey = `hearth:note:${state.session}`;
  const statusEl = document.getElementById("note-status");
  const conflictEl = document.getElementById("note-conflict");
  const revisionInput = form.querySelector("input[name=revision]");
  const list = document.getElementById("follow-up-list");
  const addButton = document.getElementById("add-follow-up");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  let revision = Number(state.revision) || 0;
  let timer = null;
  let inFlight = false;
  let again = false;
  let retryDelay = 2000;
  let blocked = false; // true while a conflict waits for the person's decision

  const setStatus = (text, kind) => {
    statusEl.textContent = text;
    statusEl.className = `note-status ${kind || ""}`;
  };

  const collect = () => ({
    summary: form.elements.summary.value,
    body: form.elements.body.value,
    themes: form.elements.themes.value
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
    follow_ups: [...list.querySelectorAll(".follow-up")]
      .map((row) => ({
        text: row.querySelector("input[type=text]").value.trim(),
        done: row.querySelector("input[type=checkbox]").checked,
      }))
      .filter((f) => f.text),
    safety_concern: form.elements.safety_concern.checked,
  });

  const keepDraft = (content) => {
    try {
      localStorage.setItem(storageKey, JSON.stringify({ base: revision, content, at: Date.now() }));
    } catch (e) {
      // Storage full or disabled: the text is still in the form and the save still runs.
    }
  };

  const readDraft = () => {
    try {
      return JSON.parse(localStorage.getItem(storageKey) || "null");
    } catch (e) {
      return null;
    }
  };

  const setRevision = (value) => {
    revision = value;
    revisionInput.value = String(value);
  };

  const addRow = (text = "", done = false) => {
    const i = list.children.length;
    const li = document.createElement("li");
    li.className = "follow-up";
    li.innerHTML =
      `<label class="visually-hidden" for="fu-done-${i}">${escapeHtml(T.done)}</label>` +
      `<input type="checkbox" id="fu-done-${i}" name="follow_up_done" value="${i}">` +
      `<label class="visually-hidden" for="fu-text-${i}">${escapeHtml(fmt("follow_up_n", { n: i + 1 }))}</label>` +
      `<input type="text" id="fu-text-${i}" name="follow_up_text" maxlength="500" placeholder="${escapeHtml(T.add_follow_up)}">`;
    li.querySelector("input[type=text]").value = text;
    li.querySelector("input[type=checkbox]").checked = done;
    list.appendChild(li);
    return li;
  };

  const fill = (content) => {
    form.elements.summary.value = content.summary;
    form.elements.body.value = content.body;
    form.elements.themes.value = content.themes.join(", ");
    form.elements.safety_concern.checked = content.safety_concern;
    list.innerHTML = "";
    content.follow_ups.forEach((f) => addRow(f.text, f.done));
    addRow();
  };

  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  const schedule = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  };

  const escapeHtml = (s) =>
    s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  const versionHtml = (title, c) =>
    `<div class="card"><h3>${escapeHtml(title)}</h3>` +
    `<p><strong>${escapeHtml(T.summary)}</strong> ${escapeHtml(c.summary)}</p>` +
    `<pre>${escapeHtml(c.body)}</pre>` +
    (c.themes.length ? `<p><strong>${escapeHtml(T.themes)}</strong> ${escapeHtml(c.themes.join(", "))}</p>` : "") +
    (c.follow_ups.length
      ? `<ul>${c.follow_ups.map((f) => `<li>${f.done ? "✓ " : ""}${escapeHtml(f.text)}</li>`).join("")}</ul>`
      : "") +
    `</div>`;

  const showConflict = async () => {
    blocked = true;
    setStatus(T.conflict_status, "pending");
    let theirs = null;
    try {
      const response = await fetch(state.api, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) theirs = await response.json();
    } catch (e) {
      theirs = null;
    }
    const mine = collect();
    conflictEl.hidden = false;
    if (!theirs) {
      conflictEl.innerHTML =
        `<p>${escapeHtml(T.conflict_unloaded)}</p>`;
      blocked = false;
      schedule(retryDelay);
      return;
    }
    conflictEl.innerHTML =
      `<h3>${escapeHtml(T.conflict_title)}</h3>` +
      `<p>${escapeHtml(T.conflict_help)}</p>` +
      `<div class="versions">${versionHtml(T.yours_unsaved, mine)}` +
      versionHtml(fmt("saved_by", { name: theirs.updated_by || T.someone, revision: theirs.revision }), theirs) +
      `</div><p class="buttons"><button type="button" data-choice="mine">${escapeHtml(T.keep_mine)}</button> ` +
      `<button type="button" class="secondary" data-choice="theirs">${escapeHtml(T.use_theirs)}</button></p>`;
    conflictEl.querySelector("[data-choice=mine]").addEventListener("click", () => {
      setRevision(theirs.revision);
      conflictEl.hidden = true;
      blocked = false;
      keepDraft(collect());
      save();
    });
    conflictEl.querySelector("[data-choice=theirs]").addEventListener("click", () => {
      setRevision(theirs.revision);
      fill(theirs);
      localStorage.removeItem(storageKey);
      blocked = false;
      setStatus(T.saved, "saved");
      // Their version is in the form now; yours stays readable here until dismissed.
      conflictEl.innerHTML =
        `<h3>${escapeHtml(T.earlier_text)}</h3>${versionHtml(T.yours_not_saved, mine)}` +
        `<p><button type="button" class="secondary" data-choice="dismiss">${escapeHtml(T.dismiss)}</button></p>`;
      conflictEl.querySelector("[data-choice=dismiss]").addEventListener("click", () => {
        conflictEl.hidden = true;
      });
    });
    conflictEl.querySelector("[data-choice=mine]").focus();
  };

  async function save() {
    clearTimeout(timer);
    if (blocked) return;
    if (inFlight) {
      again = true;
      return;
    }
    const content = collect();
    inFlight = true;
    setStatus(T.saving, "pending");
    let response = null;
    try {
      response = await fetch(state.api, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ ...content, revision }),
      });
    } catch (e) {
      response = null; // offline or the connection dropped
    }
    inFlight = false;
    if (response && response.ok) {
      const saved = await response.json();
      setRevision(saved.revision);
      retryDelay = 2000;
      const now = collect();
      if (same(now, content) && !again) {
        localStorage.removeItem(storageKey);
        setStatus(T.saved, "saved");
      } else {
        again = false;
        keepDraft(now);
        schedule(300);
      }
      return;
    }
    if (response && response.status === 409) {
      again = false;
      await showConflict();
      return;
    }
    if (response && response.status === 400) {
      const errors = await response.json().catch(() => ({}));
      const text = Object.entries(errors)
        .map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`)
        .join("; ");
      setStatus(fmt("not_saved_because", { why: text || T.check_the_note }), "pending");
      return; // the draft stays on this device; the next edit tries again
    }
    if (response && (response.status === 401 || response.status === 403)) {
      setStatus(T.signed_out, "pending");
      return;
    }
    setStatus(T.retrying, "pending");
    schedule(retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  const changed = () => {
    keepDraft(collect());
    if (!blocked) {
      setStatus(T.not_saved_yet, "pending");
      schedule(1000);
    }
  };

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    keepDraft(collect());
    save();
  });
  window.addEventListener("online", () => {
    if (!blocked && readDraft()) {
      retryDelay = 2000;
      save();
    }
  });
  addButton.hidden = false;
  addButton.addEventListener("click", () => addRow().querySelector("input[type=text]").focus());

  // A draft this device did not get confirmed (closed tab, dropped connection): put it back
  // and save it against the revision it was based on, so a newer save elsewhere is a 409.
  const draft = readDraft();
  if (draft && draft.content) {
    if (!same(draft.content, collect())) {
      fill(draft.content);
      setRevision(Number(draft.base) || 0);
      setStatus(T.restored, "pending");
      save();
    } else {
      localStorage.removeItem(storageKey);
    }
  }
}
