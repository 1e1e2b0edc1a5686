// Hearth live room: one small ES module, no framework, no build step.
// Frame protocol: docs/rooms.md. Strings come translated from the page's JSON block.
// Voice and video live in media.js; this module hands it the frames it is about.

import { createMedia } from "./media.js";

const root = document.getElementById("room");
if (root) start(root);

function start(root) {
  const T = JSON.parse(document.getElementById("room-strings").textContent);
  const $ = (id) => document.getElementById(id);
  const fmt = (key, vars = {}) =>
    T[key].replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  const isStaff = root.dataset.role === "facilitator";
  const wsUrl =
    (location.protocol === "https:" ? "wss://" : "ws://") + location.host + root.dataset.wsPath;

  const el = {
    conn: $("conn"), notice: $("notice"), body: $("room-body"), log: $("log"), logBox: $("log-box"),
    form: $("send"), box: $("message"), sendButton: $("send-button"), sendNote: $("send-note"),
    hand: $("hand"), pass: $("pass"), handState: $("hand-state"), turn: $("turn"),
    queue: $("queue"), people: $("people"), lobby: $("lobby"), next: $("next-speaker"),
    lock: $("lock"), end: $("end"), modNote: $("mod-note"), alerts: $("alerts"),
    checkins: $("checkins"), checkin: $("checkin"), checkinNote: $("checkin-note"),
    support: $("support"), supportText: $("support-text"), crisisText: $("crisis-text"),
    dialog: $("dialog"),
    privateLog: $("private-log"), privateForm: $("private-form"), privateText: $("private-text"),
    privateTo: $("private-to"), privateNote: $("private-note"),
    supportAsk: $("support-ask"), supportNote: $("support-note"), supportAskNote: $("support-ask-note"),
    guidelines: $("guidelines"), guidelinesDetails: $("guidelines-details"),
    guidelinesIntro: $("guidelines-intro"), guidelinesText: $("guidelines-text"),
    guidelinesAccept: $("guidelines-accept"),
    shareTimer: $("share-timer"), shareLeft: $("share-left"), shareAnnounce: $("share-announce"),
    shareMinutes: $("share-minutes"), shareAuto: $("share-auto"), shareStart: $("share-start"),
    shareStop: $("share-stop"),
    round: $("round"), roundPrompt: $("round-prompt"), roundInput: $("round-prompt-input"),
    roundStart: $("round-start"), roundEnd: $("round-end"),
  };

  // Voice and video (media.js): frames go out through `send`, like everything else.
  const media = createMedia({
    send: (f) => send(f), strings: T, root, isStaff, me: () => state.me,
    guidelinesPending: () => guidelinesFirst($("media-mic")),
  });

  const state = {
    ws: null, me: null, seen: 0, messages: new Map(), welcomed: false, stopped: false,
    attempt: 0, timer: null, pinger: null, awaitingPong: false, pending: null,
    muted: false, paused: false, locked: false, hands: [], speaker: null, turnText: "",
    guidelines: null, accepting: false, acceptFrom: null,
    share: null, shareTicker: null, shareSaid: "", round: null,
  };

  // --- connection --------------------------------------------------------------------------

  function setConn(key) {
    el.conn.textContent = T[key];
    el.conn.dataset.state = key;
    root.dataset.conn = key;
  }

  // Opened from a one-tap link (not logged in): each connection takes a fresh single-use
  // room ticket from the link's own path, since there is no login cookie to carry.
  async function connectUrl() {
    if (!root.dataset.ticketPath) return wsUrl;
    const res = await fetch(root.dataset.ticketPath, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": root.dataset.csrf },
    });
    if (!res.ok) throw new Error(`ticket ${res.status}`);
    const { ticket } = await res.json();
    return `${wsUrl}?ticket=${encodeURIComponent(ticket)}`;
  }

  async function connect() {
    state.timer = null;
    if (state.stopped) return;
    setConn(state.welcomed ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(await connectUrl());
    } catch {
      schedule();
      return;
    }
    state.ws = ws;
    ws.addEventListener("message", (event) => {
      if (ws !== state.ws) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === "string") handle(frame);
    });
    ws.addEventListener("close", (event) => {
      if (ws === state.ws) closed(event.code);
    });
  }

  function closed(code) {
    state.ws = null;
    clearInterval(state.pinger);
    if (media) media.onSocketClosed();
    // `state.pending` stays: if the message was stored, the resume brings it and clears the box.
    if (state.stopped) return;
    if (code === 4410) return removed();
    if (code === 4401) return stop("signed_out", false);
    if (code === 4403) return stop("forbidden", false);
    if (code === 4404) return stop("no_session", true);
    if (code === 4409) return stop("not_open", true);
    // Opened in too many tabs: this, the oldest, gave way; reconnecting would close another.
    if (code === 4430) return stop("elsewhere", false);
    schedule();
  }

  function schedule() {
    if (state.stopped || state.timer) return;
    setConn("reconnecting");
    updateSending();
    const base = Math.min(30000, 500 * 2 ** state.attempt);
    state.attempt += 1;
    state.timer = setTimeout(connect, base / 2 + Math.random() * (base / 2));
  }

  function reconnectNow() {
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = null;
      connect();
    }
  }
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") reconnectNow();
  });

  function send(frame) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN || !state.me) {
      note(T.offline, true);
      return false;
    }
    state.ws.send(JSON.stringify(frame));
    return true;
  }

  function startPing() {
    clearInterval(state.pinger);
    state.awaitingPong = false;
    state.pinger = setInterval(() => {
      const ws = state.ws;
      if (!ws) return;
      if (state.awaitingPong) {
        // No answer for a whole interval: a dead link. Treat it as closed now (its own close
        // event, whenever it comes, is ignored) and reconnect.
        ws.close();
        closed(1006);
        return;
      }
      state.awaitingPong = true;
      ws.send('{"type":"ping"}');
    }, 25000);
  }

  function stop(key, clear) {
    state.stopped = true;
    if (media) media.onStopped();
    clearInterval(state.pinger);
    if (state.ws) state.ws.close();
    state.ws = null;
    setConn("offline");
    if (clear) clearConversation();
    const focusWasInside = el.body.contains(document.activeElement);
    el.body.hidden = true;
    showNotice(T[key]);
    if (focusWasInside) el.notice.focus(); // keyboard users land on what happened
  }

  function removed() {
    stop("removed", true);
  }

  function ended() {
    stop("ended", true);
  }

  function clearConversation() {
    el.log.replaceChildren();
    state.messages.clear();
    el.support.hidden = true;
    el.supportText.textContent = "";
    if (el.alerts) el.alerts.replaceChildren();
    if (el.checkins) el.checkins.replaceChildren();
    clearPrivate();
  }

  function showNotice(text) {
    el.notice.textContent = text;
    el.notice.hidden = !text;
  }

  // --- frames in -----------------------------------------------------------------------------

  const handlers = {
    welcome: onWelcome,
    lobby: onLobby,
    chat: addMessage,
    presence: onPresence,
    queue: onQueue,
    "room.state": onState,
    moderation: onModeration,
    support: (f) => {
      el.support.hidden = false;
      el.supportText.textContent = f.text;
    },
    alert: onAlert,
    checkin: onCheckin,
    private: (f) => onPrivate(f, true),
    block: onBlock,
    guidelines: onGuidelines,
    error: onError,
    "room.ended": ended,
    pong: () => {
      state.awaitingPong = false;
    },
  };

  function handle(frame) {
    if (media && frame.type.startsWith("media.")) return media.onFrame(frame);
    const handler = handlers[frame.type];
    if (handler) handler(frame);
  }

  function onWelcome(f) {
    const resumeAfter = state.seen;
    const resuming = state.welcomed;
    state.welcomed = true;
    state.attempt = 0;
    state.me = f.you;
    state.muted = Boolean(f.you.muted);
    setConn("connected");
    showNotice("");
    el.body.hidden = false;
    if (f.crisis_resources) el.crisisText.textContent = f.crisis_resources;
    for (const message of f.messages || []) addMessage(message);
    // Whatever was said while we were away, after the newest message we saw (dedupe by seq).
    if (resuming) send({ type: "resume", after_seq: resumeAfter });
    onPresence({ participants: f.presence || [], lobby: f.lobby });
    onQueue(f.queue || { hands: [], speaker: null });
    onState(f.room || {});
    for (const p of f.private || []) onPrivate(p, false);
    if (el.supportAsk) el.supportAsk.hidden = false;
    onGuidelines(f.guidelines);
    startPing();
    if (media) media.onWelcome(f);
  }

  function onLobby() {
    state.me = null;
    setConn("connected");
    el.body.hidden = true;
    showNotice(T.lobby);
    startPing();
  }

  // --- chat ----------------------------------------------------------------------------------

  function addMessage(f) {
    if (typeof f.seq !== "number") return;
    const existing = state.messages.get(f.seq);
    if (existing) {
      if (f.deleted) markDeleted(f.seq);
      return;
    }
    const box = el.logBox;
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const li = renderMessage(f);
    if (f.seq > state.seen) {
      el.log.append(li);
    } else {
      const later = [...el.log.children].find((item) => Number(item.dataset.seq) > f.seq);
      el.log.insertBefore(li, later || null);
    }
    state.messages.set(f.seq, li);
    state.seen = Math.max(state.seen, f.seq);
    const mine = state.me && f.author && f.author.id === state.me.id;
    if (mine && state.pending && (f.client_id === state.pending.id || f.text === state.pending.text)) {
      if (el.box.value.trim() === state.pending.text) el.box.value = "";
      state.pending = null;
    }
    if (nearBottom || mine) box.scrollTop = box.scrollHeight;
  }

  function node(tag, attrs = {}, text) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "className") n.className = v;
      else if (k.startsWith("data-") || k.startsWith("aria-") || k === "type") n.setAttribute(k, v);
      else n[k] = v;
    }
    if (text !== undefined) n.textContent = text;
    return n;
  }

  // Message times in the zone the page header names (the group's), not the device's.
  const clockFormat = (() => {
    const opts = { hour: "numeric", minute: "2-digit" };  // "9:42 PM", "21:42": as the header
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, { ...opts, timeZone: root.dataset.tz });
    } catch (e) {  // an unknown zone name: the device's zone rather than no time at all
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, opts);
    }
  })();
  const clock = (date) => clockFormat.format(date);

  function renderMessage(f) {
    const author = f.author || {};
    const mine = state.me && author.id === state.me.id;
    const li = node("li", { className: "msg" + (mine ? " mine" : ""), "data-seq": String(f.seq), "data-author": String(author.id) });
    const meta = node("p", { className: "meta" });
    meta.append(node("span", { className: "who" }, author.display_name || ""));
    if (author.role === "facilitator") meta.append(" ", node("span", { className: "tag" }, T.facilitator));
    if (f.sent_at) {
      const at = new Date(f.sent_at);
      const time = node("time", { dateTime: f.sent_at }, clock(at));
      meta.append(" ", time);
    }
    li.append(meta, node("p", { className: "text" }, f.text || ""));
    const actions = node("div", { className: "msg-actions" });
    if (!mine) {
      const report = node("button", { type: "button", className: "link", "aria-label": fmt("report_label", { name: author.display_name }), "data-key": `report-${f.seq}` }, T.report);
      report.addEventListener("click", () => reportMessage(f.seq));
      actions.append(report);
    }
    if (!mine && !isStaff && author.role !== "facilitator" && typeof author.id === "number") {
      const block = node("button", { type: "button", className: "link", "aria-label": fmt("block_label", { name: author.display_name }), "data-key": `block-${f.seq}` }, T.block);
      block.addEventListener("click", () => blockPerson(author));
      actions.append(block);
    }
    if (isStaff) {
      const del = node("button", { type: "button", className: "link", "aria-label": fmt("delete_label", { name: author.display_name }), "data-key": `delete-${f.seq}` }, T.delete);
      del.addEventListener("click", () => deleteMessage(f.seq));
      actions.append(del);
    }
    if (actions.childElementCount) li.append(actions);
    if (f.deleted) markDeletedNode(li);
    return li;
  }

  function markDeletedNode(li) {
    li.classList.add("deleted");
    li.querySelector(".text").textContent = T.deleted;
    const actions = li.querySelector(".msg-actions");
    if (actions) actions.remove();
  }

  function markDeleted(seq) {
    const li = state.messages.get(seq);
    if (li) markDeletedNode(li);
  }

  el.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = el.box.value.trim();
    if (!text || state.muted || (state.paused && !isStaff)) {
      updateSending();
      return;
    }
    if (guidelinesFirst()) return;
    const id = Math.random().toString(36).slice(2, 12);
    if (send({ type: "chat", text, client_id: id })) {
      state.pending = { id, text };
      note("");
    }
  });

  el.box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      el.form.requestSubmit();
    }
  });

  function note(text, warn = false) {
    el.sendNote.textContent = text;
    el.sendNote.classList.toggle("warn", warn);
  }

  function updateSending() {
    const connected = Boolean(state.ws && state.me);
    const blocked = state.muted || (state.paused && !isStaff);
    el.box.readOnly = blocked;
    el.sendButton.disabled = blocked || !connected;
    if (state.muted) note(T.muted, true);
    else if (state.paused && !isStaff) note(T.paused, true);
    else if (el.sendNote.textContent === T.muted || el.sendNote.textContent === T.paused) note("");
  }

  // --- group guidelines ----------------------------------------------------------------------

  function guidelinesRequired() {
    return Boolean(state.guidelines && state.guidelines.required) && !isStaff;
  }

  function onGuidelines(g) {
    const wasRequired = guidelinesRequired();
    state.guidelines = g && g.text ? g : null;
    el.guidelines.hidden = !state.guidelines;
    if (!state.guidelines) return;
    const required = guidelinesRequired();
    el.guidelinesText.textContent = g.text;
    el.guidelinesAccept.hidden = !required;
    let intro = T.guidelines_accepted;
    if (isStaff) intro = T.guidelines_staff;
    else if (required) intro = g.every_session ? T.guidelines_every_session : T.guidelines_required;
    el.guidelinesIntro.textContent = intro;
    el.guidelines.dataset.required = String(required);
    if (required) {
      el.guidelinesDetails.open = true;
    } else if (wasRequired) {
      el.guidelinesDetails.open = false;
      if (state.accepting) {
        state.accepting = false;
        note(T.guidelines_thanks);
        // Back to what they were about to do: the message box, or the microphone.
        const back = state.acceptFrom;
        state.acceptFrom = null;
        if (back && back.isConnected && !back.disabled && back.getClientRects().length) back.focus();
        else el.box.focus();
      }
    }
  }

  // Before a first message or unmute: open the guidelines and put the focus on Accept; once
  // accepted, the focus goes back to `from` (the message box, or the microphone button).
  function guidelinesFirst(from = el.box) {
    if (!guidelinesRequired()) return false;
    state.acceptFrom = from;
    el.guidelinesDetails.open = true;
    note(T.guidelines_first, true);
    el.guidelinesAccept.focus();
    return true;
  }

  el.guidelinesAccept.addEventListener("click", () => {
    if (!state.guidelines) return;
    if (send({ type: "guidelines.accept", version: state.guidelines.version })) state.accepting = true;
  });

  // --- dialogs -------------------------------------------------------------------------------

  function ask({ title, ok, reason, maxLength }) {
    const dialog = el.dialog;
    const opener = document.activeElement;
    $("dialog-title").textContent = title;
    $("dialog-ok").textContent = ok;
    $("dialog-reason-wrap").hidden = !reason;
    const box = $("dialog-reason");
    box.value = "";
    if (reason) {
      $("dialog-reason-label").textContent = reason;
      box.maxLength = maxLength;
    }
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener(
        "close",
        () => {
          if (opener && opener.isConnected) opener.focus();
          resolve(dialog.returnValue === "ok" ? box.value.trim() : null);
        },
        { once: true },
      );
    });
  }

  async function reportMessage(seq) {
    const reason = await ask({ title: T.report_title, ok: T.report_confirm, reason: T.report_reason, maxLength: 500 });
    if (reason !== null && send({ type: "report", seq, reason })) note(T.reported);
  }

  const blockNames = new Map(); // user id -> the name shown when they were blocked here

  async function blockPerson(author) {
    if ((await ask({ title: fmt("block_title", { name: author.display_name }), ok: T.block_confirm })) === null) return;
    blockNames.set(author.id, author.display_name);
    send({ type: "block", user: author.id, blocked: true });
  }

  function onBlock(f) {
    if (!f.blocked) return onUnblock(f);
    const focusInLog = el.log.contains(document.activeElement);
    for (const li of [...el.log.querySelectorAll(`li[data-author="${CSS.escape(String(f.user))}"]`)]) {
      state.messages.delete(Number(li.dataset.seq));
      li.remove();
    }
    if (focusInLog && !el.log.contains(document.activeElement)) el.box.focus();
    note(blockNames.has(f.user) ? fmt("blocked", { name: blockNames.get(f.user) }) : T.blocked_anon);
  }

  // Unblocked (here or from the account page): their recent messages come with the frame and
  // go back in their places; what they say from now on arrives as usual.
  function onUnblock(f) {
    const messages = Array.isArray(f.messages) ? f.messages : [];
    for (const message of messages) addMessage(message);
    const name = blockNames.get(f.user) || (messages[0] && messages[0].author && messages[0].author.display_name);
    blockNames.delete(f.user);
    note(name ? fmt("unblocked", { name }) : T.unblocked_anon);
  }

  async function deleteMessage(seq) {
    if ((await ask({ title: T.delete_title, ok: T.delete })) !== null) send({ type: "mod.delete_message", seq });
  }

  // --- people, lobby, queue ------------------------------------------------------------------

  // Lists drawn again from a frame: the control that had the focus gets it back. If it went
  // off (a move button at the top of the line) or away (that person left the list), the next
  // control of the same row, else the list's `fallback`, rather than the page's start.
  function keepFocus(container, render, fallback) {
    const active = document.activeElement;
    const key = active && container.contains(active) ? active.dataset.key : null;
    const row = key ? active.closest("li") : null;
    const rowKeys = row ? [...row.querySelectorAll("[data-key]")].map((b) => b.dataset.key) : [];
    render();
    if (!key) return;
    for (const k of [key, ...rowKeys]) {
      const again = container.querySelector(`[data-key="${CSS.escape(k)}"]`);
      if (again && !again.disabled) return again.focus();
    }
    const first = container.querySelector("button:not(:disabled)");
    if (first) first.focus();
    else if (fallback) focusFirst(fallback);
  }

  // A button turned off while it has the focus would drop the focus to the start of the page
  // (a keyboard user loses their place): it goes to `fallback` first.
  function setDisabled(button, disabled, fallback) {
    if (!button) return;
    if (disabled && document.activeElement === button) focusFirst(fallback);
    button.disabled = disabled;
  }

  function focusFirst(candidates) {
    const to = [].concat(candidates).find((b) => b && !b.disabled && !b.hidden);
    if (to) to.focus();
  }

  function button(text, label, key, onClick, className = "small secondary") {
    const b = node("button", { type: "button", className, "aria-label": label, "data-key": key }, text);
    b.addEventListener("click", onClick);
    return b;
  }

  function onPresence(f) {
    const people = f.participants || [];
    for (const p of people) if (p.role !== "facilitator") privateRecipient(p.id, p.display_name);
    const mine = state.me && people.find((p) => p.id === state.me.id);
    if (mine && !isStaff && Boolean(mine.muted) !== state.muted) {
      state.muted = Boolean(mine.muted);
    }
    keepFocus(el.people, () => {
      el.people.replaceChildren();
      for (const p of people) {
        const li = node("li");
        const name = node("span", { className: "who" }, p.display_name);
        li.append(name);
        if (p.role === "facilitator") li.append(" ", node("span", { className: "tag" }, T.facilitator));
        if (state.me && p.id === state.me.id) li.append(" ", node("span", { className: "tag" }, T.you));
        if (p.muted) li.append(" ", node("span", { className: "tag warn" }, T.muted_tag));
        if (state.me && p.id !== state.me.id) {
          li.append(" ", button(T.report, fmt("report_person_label", { name: p.display_name }), `report-${p.id}`, () => reportPerson(p), "small link"));
        }
        if (isStaff && p.role !== "facilitator") {
          const tools = node("span", { className: "tools" });
          tools.append(
            p.muted
              ? button(T.unmute, fmt("unmute_label", { name: p.display_name }), `mute-${p.id}`, () => send({ type: "mod.unmute", user: p.id }))
              : button(T.mute, fmt("mute_label", { name: p.display_name }), `mute-${p.id}`, () => send({ type: "mod.mute", user: p.id })),
            button(T.remove, fmt("remove_label", { name: p.display_name }), `remove-${p.id}`, () => removePerson(p), "small danger"),
          );
          li.append(tools);
        }
        el.people.append(li);
      }
      if (!people.length) el.people.append(node("li", { className: "muted" }, T.nobody_here));
    });
    if (media) media.onPresence(f);
    if (isStaff && el.lobby && f.lobby) {
      keepFocus(el.lobby, () => {
        el.lobby.replaceChildren();
        for (const p of f.lobby) {
          const li = node("li");
          li.append(node("span", { className: "who" }, p.display_name), " ",
            button(T.admit, fmt("admit_label", { name: p.display_name }), `admit-${p.id}`, () => send({ type: "mod.admit", user: p.id }), "small"));
          el.lobby.append(li);
        }
        if (!f.lobby.length) el.lobby.append(node("li", { className: "muted" }, T.lobby_empty));
      });
    }
    updateSending();
  }

  async function reportPerson(p) {
    const reason = await ask({ title: fmt("report_person_title", { name: p.display_name }), ok: T.report_confirm, reason: T.report_person_reason, maxLength: 500 });
    if (reason === null) return;
    if (!reason) {
      note(T.report_person_needs_reason, true);
      return;
    }
    if (send({ type: "report.person", user: p.id, reason })) note(T.reported_person);
  }

  async function removePerson(p) {
    const reason = await ask({ title: fmt("remove_title", { name: p.display_name }), ok: T.remove, reason: T.remove_reason, maxLength: 300 });
    if (reason !== null) send({ type: "mod.remove", user: p.id, reason });
  }

  function onQueue(f) {
    state.hands = f.hands || [];
    state.speaker = f.speaker || null;
    onShare(f.share || null);
    onRound(f.round || null);
    const meId = state.me && state.me.id;
    const place = state.hands.findIndex((h) => h.id === meId);
    el.hand.setAttribute("aria-pressed", String(place >= 0));
    el.hand.textContent = place >= 0 ? T.lower_hand : T.raise_hand;
    el.handState.textContent = place >= 0 ? fmt("hand_up", { n: place + 1 }) : T.hand_down;
    const speaking = state.speaker && state.speaker.id === meId;
    setDisabled(el.pass, !(speaking || place >= 0), el.hand);
    let turn = T.nobody_speaking;
    if (speaking) turn = T.your_turn;
    else if (state.speaker) turn = fmt("turn_of", { name: state.speaker.display_name });
    if (turn !== state.turnText) {
      state.turnText = turn;
      el.turn.textContent = turn;
      el.turn.classList.toggle("mine", Boolean(speaking));
    }
    keepFocus(el.queue, () => {
      el.queue.replaceChildren();
      state.hands.forEach((h, i) => {
        const li = node("li");
        li.append(node("span", { className: "who" }, h.display_name));
        if (h.id === meId) li.append(" ", node("span", { className: "tag" }, T.you));
        if (isStaff) {
          const up = button("↑", fmt("move_up_label", { name: h.display_name }), `up-${h.id}`, () => move(i, -1));
          const down = button("↓", fmt("move_down_label", { name: h.display_name }), `down-${h.id}`, () => move(i, 1));
          up.disabled = i === 0;
          down.disabled = i === state.hands.length - 1;
          const tools = node("span", { className: "tools" });
          tools.append(up, down);
          li.append(tools);
        }
        el.queue.append(li);
      });
    }, [el.next, el.shareStart]);
    // Nobody left in line after "Next speaker": on to the timer for the one now speaking.
    setDisabled(el.next, !state.hands.length, [el.shareStart, el.hand]);
    if (media) media.onQueue(f);
  }

  // --- the share timer: the end is the server's; the count runs on this device's clock ------

  const SHARE_NEAR_END_SECONDS = 30;

  function onShare(share) {
    const key = share ? `${share.ends_at}|${state.speaker && state.speaker.id}` : null;
    const before = state.share ? state.share.key : null;
    if (key === before) return;
    clearInterval(state.shareTicker);
    state.shareTicker = null;
    state.share = share ? { ...share, key, end: Date.parse(share.ends_at) } : null;
    state.shareSaid = "";
    setDisabled(el.shareStop, !state.share, el.shareStart);
    if (!state.share) {
      el.shareTimer.hidden = true;
      return;
    }
    el.shareTimer.hidden = false;
    const left = Math.max(0, Math.round((state.share.end - Date.now()) / 1000));
    if (left > 0) {
      const name = state.speaker ? state.speaker.display_name : "";
      announce(fmt("share_started", { name, time: mmss(left) }));
    }
    tickShare();
    state.shareTicker = setInterval(tickShare, 1000);
  }

  function mmss(seconds) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return `${m}:${String(s).padStart(2, "0")}`;
  }

  function announce(text) {
    el.shareAnnounce.textContent = text;
  }

  // Once a second: the time left, shown (not read out); near the end and at the end, a quiet
  // change of colour and one polite announcement each. No sound.
  function tickShare() {
    if (!state.share) return;
    const now = Date.now();
    const left = Math.max(0, Math.ceil((state.share.end - now) / 1000));
    el.shareTimer.dataset.at = String(now); // when `left` was worked out (tests compare)
    let phase = "running";
    if (left === 0) phase = "over";
    else if (left <= SHARE_NEAR_END_SECONDS) phase = "ending";
    el.shareTimer.dataset.phase = phase;
    el.shareTimer.dataset.left = String(left);
    el.shareLeft.textContent = left === 0 ? T.share_over : fmt("share_left", { time: mmss(left) });
    if (phase !== "running" && state.shareSaid !== phase) {
      state.shareSaid = phase;
      announce(phase === "over" ? T.share_over : fmt("share_ending", { time: mmss(left) }));
    }
    if (left === 0) {
      clearInterval(state.shareTicker);
      state.shareTicker = null;
    }
  }

  if (el.shareStart) {
    el.shareStart.addEventListener("click", () => {
      const minutes = Number(el.shareMinutes.value);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > 10) {
        note(T.share_minutes_range, true);
        el.shareMinutes.focus();
        return;
      }
      send({ type: "mod.share_timer", minutes, auto_next: el.shareAuto.checked });
    });
    el.shareStop.addEventListener("click", () => send({ type: "mod.share_stop" }));
    el.shareStop.disabled = true;
  }

  // --- rounds ----------------------------------------------------------------------------------

  function onRound(round) {
    const was = state.round ? state.round.started_at : null;
    state.round = round;
    el.round.hidden = !round;
    el.roundPrompt.textContent = round ? round.prompt : "";
    el.pass.textContent = round ? T.round_pass : T.pass;
    setDisabled(el.roundEnd, !round, [el.roundStart, el.roundInput]);
    if (round && round.started_at !== was) announce(fmt("round_started", { prompt: round.prompt }));
    else if (!round && was) announce(T.round_over);
  }

  if (el.roundStart) {
    el.roundStart.addEventListener("click", () => {
      const prompt = el.roundInput.value.trim();
      if (!prompt) {
        note(T.round_prompt_needed, true);
        el.roundInput.focus();
        return;
      }
      if (send({ type: "mod.round_start", prompt })) el.roundInput.value = "";
    });
    el.roundEnd.addEventListener("click", () => send({ type: "mod.round_end" }));
    el.roundEnd.disabled = true;
  }

  function move(index, by) {
    const order = state.hands.map((h) => h.id);
    const to = index + by;
    if (to < 0 || to >= order.length) return;
    [order[index], order[to]] = [order[to], order[index]];
    send({ type: "mod.reorder", order });
  }

  el.hand.addEventListener("click", () => {
    const raised = el.hand.getAttribute("aria-pressed") === "true";
    send({ type: "hand", raised: !raised });
  });
  // In a round, Pass is the round's pass (out of its queue, or on to the next person).
  el.pass.addEventListener("click", () => send({ type: state.round ? "round.pass" : "pass" }));
  if (el.next) el.next.addEventListener("click", () => send({ type: "mod.next_speaker" }));

  // --- room state, moderation ----------------------------------------------------------------

  function onState(f) {
    state.locked = Boolean(f.locked);
    state.paused = Boolean(f.paused);
    root.dataset.locked = String(state.locked);
    if (el.lock) el.lock.textContent = state.locked ? T.unlock : T.lock;
    const notes = [];
    if (state.locked) notes.push(T.locked);
    if (state.paused && !isStaff) notes.push(T.paused);
    $("room-state").textContent = notes.join(" ");
    updateSending();
  }

  function onModeration(f) {
    const target = f.user || {};
    if (media) media.onModeration(f);
    const aboutMe = state.me && target.id === state.me.id;
    if (f.action === "delete_message") return markDeleted(f.seq);
    if (aboutMe && f.action === "remove") return removed();
    if (aboutMe && (f.action === "mute" || f.action === "unmute")) {
      state.muted = f.action === "mute";
      updateSending();
      if (!state.muted) note(T.unmuted);
    }
    if (isStaff && el.modNote) {
      const key = { mute: "mod_muted", unmute: "mod_unmuted", remove: "mod_removed", admit: "mod_admitted" }[f.action];
      if (key) el.modNote.textContent = fmt(key, { name: target.display_name });
    }
  }

  if (el.lock) el.lock.addEventListener("click", () => send({ type: "room.lock", locked: !state.locked }));
  if (el.end) {
    el.end.addEventListener("click", async () => {
      if ((await ask({ title: T.end_title, ok: T.end })) !== null) send({ type: "room.end" });
    });
  }

  // --- private frames for facilitators -------------------------------------------------------

  function onAlert(f) {
    if (!el.alerts) return;
    const name = (f.user && f.user.display_name) || "";
    const li = node("li", { className: `alert ${f.kind}` });
    const key = { report: "alert_report", report_person: "alert_report_person", support: "alert_support", private: "alert_private" }[f.kind] || "alert_crisis";
    li.append(node("p", {}, fmt(key, { name, text: f.text || "", about: (f.about && f.about.display_name) || "" })));
    if (f.reason) li.append(node("p", { className: "muted" }, fmt("alert_reason", { reason: f.reason })));
    el.alerts.prepend(li);
    const flag = $("alert-flag");
    if (flag) flag.hidden = false;
  }

  function onCheckin(f) {
    if (!el.checkins) return;
    const phase = f.phase === "end" ? T.phase_end : T.phase_start;
    el.checkins.prepend(node("li", {}, fmt("checkin_line", { name: f.user.display_name, mood: f.mood, phase })));
  }

  // --- check-in, errors, support -------------------------------------------------------------

  if (el.checkin) {
    el.checkin.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(el.checkin);
      const mood = Number(data.get("mood"));
      if (!mood) {
        el.checkin.querySelector("input[name=mood]").focus();
        return;
      }
      if (send({ type: "checkin", mood, phase: data.get("phase") })) el.checkinNote.textContent = T.checkin_sent;
    });
  }

  function onError(f) {
    if (media && media.onError(f)) return; // media_* codes: shown in the media panel
    if (privatePending) {
      // The private line answers in order: this error is about the message just sent there.
      const where = privatePending === "support" ? el.supportAskNote : el.privateNote;
      privatePending = null;
      if (where) where.textContent = fmt("error", { message: f.message || f.code });
      return;
    }
    const chatRefused = state.pending !== null;
    state.pending = null;
    if (f.code === "guidelines_required") {
      if (state.guidelines) state.guidelines.required = true;
      onGuidelines(state.guidelines);
      // Refused a message, or an unmute (media.js has turned the microphone off again).
      guidelinesFirst(chatRefused ? el.box : $("media-mic"));
      return;
    }
    if (f.code === "muted") state.muted = true;
    if (f.code === "paused") state.paused = true;
    updateSending();
    if (f.code !== "muted" && f.code !== "paused") note(fmt("error", { message: f.message || f.code }), true);
  }

  // --- the private line (attendee <-> facilitators) --------------------------------------------

  const privateSeen = new Map(); // message id -> its list item
  const recipients = new Map(); // facilitators: attendee id -> display name
  let privatePending = null; // "line" or "support" while a private message is on its way

  function clearPrivate() {
    privateSeen.clear();
    if (el.privateLog) el.privateLog.replaceChildren();
  }

  function privateRecipient(id, name) {
    if (!el.privateTo || recipients.get(id) === name) return;
    recipients.set(id, name);
    const chosen = el.privateTo.value;
    el.privateTo.replaceChildren(
      ...[...recipients].map(([value, label]) => node("option", { value: String(value) }, label)),
    );
    if (chosen) el.privateTo.value = chosen;
  }

  function onPrivate(f, live) {
    if (!el.privateLog || typeof f.id !== "number" || privateSeen.has(f.id)) return;
    const author = f.author || {};
    const thread = f.thread || {};
    const mine = state.me && author.id === state.me.id;
    const fromStaff = author.role === "facilitator";
    let who;
    if (isStaff) who = fromStaff ? fmt("private_to", { name: author.display_name, to: thread.display_name }) : fmt("private_from", { name: thread.display_name });
    else who = mine ? T.private_you : fmt("private_facilitator", { name: author.display_name });
    const li = node("li", { className: "pmsg" + (mine ? " mine" : "") + (f.support ? " support" : ""), "data-id": String(f.id) });
    const meta = node("p", { className: "meta" });
    meta.append(node("span", { className: "who" }, who));
    if (f.sent_at) meta.append(" ", node("time", { dateTime: f.sent_at }, clock(new Date(f.sent_at))));
    li.append(meta);
    if (f.support) li.append(node("p", { className: "support-tag" }, isStaff ? fmt("private_support_staff", { name: thread.display_name }) : T.private_support_you));
    if (f.text) li.append(node("p", { className: "text" }, f.text));
    if (isStaff && !fromStaff) {
      privateRecipient(thread.id, thread.display_name);
      li.append(button(T.private_reply, fmt("private_reply_label", { name: thread.display_name }), `preply-${f.id}`, () => {
        el.privateTo.value = String(thread.id);
        el.privateText.focus();
      }));
    }
    const later = [...el.privateLog.children].find((item) => Number(item.dataset.id) > f.id);
    el.privateLog.insertBefore(li, later || null);
    privateSeen.set(f.id, li);
    const box = el.privateLog.parentElement;
    box.scrollTop = box.scrollHeight;
    if (mine && privatePending) {
      if (privatePending === "support") {
        el.supportNote.value = "";
        el.supportAskNote.textContent = T.support_told;
      } else if (el.privateText.value.trim() === f.text) {
        el.privateText.value = "";
        el.privateNote.textContent = T.private_sent;
      }
      privatePending = null;
    }
    if (live && isStaff && !fromStaff) {
      onAlert({ kind: f.support ? "support" : "private", user: thread, text: f.text });
    }
  }

  if (el.privateForm) {
    el.privateForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = el.privateText.value.trim();
      if (!text) {
        el.privateText.focus();
        return;
      }
      let frame = { type: "private.send", text };
      if (isStaff) {
        const to = Number(el.privateTo.value);
        if (!to) {
          el.privateNote.textContent = T.private_nobody;
          return;
        }
        frame = { type: "private.reply", user: to, text };
      }
      el.privateNote.textContent = "";
      if (send(frame)) privatePending = "line";
    });
  }

  if (el.supportAsk) {
    el.supportAsk.addEventListener("submit", (event) => {
      event.preventDefault();
      el.supportAskNote.textContent = "";
      const text = el.supportNote.value.trim();
      if (send({ type: "private.send", support: true, text })) privatePending = "support";
      else el.supportAskNote.textContent = T.offline;
    });
  }

  const flag = $("alert-flag");
  if (flag) flag.addEventListener("click", () => {
    flag.hidden = true;
  });

  $("support-close").addEventListener("click", () => {
    el.support.hidden = true;
  });

  connect();
}
