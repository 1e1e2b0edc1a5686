// Hearth voice and video for the live room. room.js owns the WebSocket and hands this module
// the frames it is about; this module owns the media panel (room.html, #media).
// Protocol: docs/rooms.md (media.* frames). Two paths, one client: a peer-to-peer mesh signalled
// over the room socket, or a Janus VideoRoom over Janus's HTTP long-poll API.
//
// Safe defaults: nothing is captured until the person presses a button; microphone off and
// camera off on entry; the camera shows a private preview first and is sent to the group only
// after "Show my camera to the group".

const LOW = { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15, max: 15 } };
const NORMAL = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } };

export function createMedia({ send, strings: T, root, isStaff, me, guidelinesPending = () => false }) {
  const $ = (id) => root.querySelector(`#${id}`);
  const fmt = (key, vars = {}) =>
    (T[key] || key).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  const panel = $("media");
  if (!panel) return null;

  const ui = {
    join: $("media-join"), leave: $("media-leave"), mic: $("media-mic"), cam: $("media-cam"),
    show: $("media-show"), voiceOnly: $("media-voice-only"), low: $("media-low"),
    status: $("media-status"), error: $("media-error"), micNote: $("media-mic-note"),
    previewWrap: $("media-preview-wrap"), preview: $("media-preview"),
    previewNote: $("media-preview-note"), tiles: $("media-tiles"),
    announce: $("media-announce"), inCall: $("media-in-call"),
  };

  const s = {
    wanted: false, // the person pressed "Join voice" and has not left: rejoin after reconnects
    config: null, // the last media.config
    myPeer: null,
    mic: null, // local audio MediaStreamTrack (once the person turned the microphone on)
    cam: null, // local video MediaStreamTrack (once the person turned the camera on)
    micOn: false, // sending audio
    camShown: false, // sending video to the group
    voiceOnly: false, // this person: no video either way
    low: false,
    modMuted: false, // muted by a facilitator
    talkingPiece: false,
    speakerId: null,
    peers: new Map(), // peer id -> {peer, user, audio, video, muted, pc, tile, audioEl, videoEl, ...}
    janus: null,
    levelTimer: null,
    audioCtx: null,
    localAnalyser: null,
    staffIds: new Set(),
  };

  // --- small DOM helpers ---------------------------------------------------------------------

  function node(tag, attrs = {}, text) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "className") n.className = v;
      else if (typeof v === "boolean") n[k] = v;
      else n.setAttribute(k, v);
    }
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function say(text) {
    // aria-live="polite": replace the text so the same words twice are read twice
    ui.announce.textContent = "";
    window.setTimeout(() => {
      ui.announce.textContent = text;
    }, 50);
  }

  function showError(text) {
    ui.error.textContent = text || "";
    ui.error.hidden = !text;
  }

  function setStatus(text) {
    ui.status.textContent = text || "";
  }

  // --- controls ------------------------------------------------------------------------------

  function myId() {
    const m = me();
    return m ? m.id : null;
  }

  function videoAllowed() {
    return Boolean(s.config && s.config.video) && !s.voiceOnly;
  }

  function turnBlocked() {
    return s.talkingPiece && !isStaff && s.speakerId !== myId();
  }

  function render() {
    const inCall = Boolean(s.wanted);
    ui.join.hidden = inCall;
    ui.leave.hidden = !inCall;
    ui.inCall.hidden = !inCall;
    ui.mic.textContent = s.micOn ? T.media_mic_off : T.media_mic_on;
    ui.mic.setAttribute("aria-pressed", String(s.micOn));
    const micBlocked = s.modMuted || turnBlocked();
    ui.mic.disabled = !s.micOn && micBlocked;
    let micNote = "";
    if (s.modMuted) micNote = T.media_mod_muted;
    else if (turnBlocked()) micNote = T.media_not_your_turn;
    else if (s.micOn) micNote = T.media_mic_live;
    else if (inCall) micNote = T.media_listening;
    ui.micNote.textContent = micNote;
    ui.micNote.classList.toggle("warn", micBlocked);

    const canVideo = videoAllowed();
    ui.cam.hidden = !canVideo;
    ui.cam.textContent = s.cam ? T.media_cam_off : T.media_cam_on;
    ui.cam.setAttribute("aria-pressed", String(Boolean(s.cam)));
    ui.show.hidden = !canVideo || !s.cam;
    ui.show.textContent = s.camShown ? T.media_cam_hide : T.media_cam_show;
    ui.show.setAttribute("aria-pressed", String(s.camShown));
    ui.previewWrap.hidden = !s.cam;
    ui.previewNote.textContent = s.camShown ? T.media_preview_shown : T.media_preview_private;
    ui.voiceOnly.setAttribute("aria-pressed", String(s.voiceOnly));
    ui.low.setAttribute("aria-pressed", String(s.low));
    ui.voiceOnly.hidden = Boolean(s.config && !s.config.video && !s.voiceOnly);
    panel.dataset.state = inCall ? (s.config ? "in-call" : "joining") : "out";
    renderSelf();
  }

  ui.join.addEventListener("click", () => join());
  ui.leave.addEventListener("click", () => leave());
  ui.mic.addEventListener("click", () => (s.micOn ? micOff() : micOn()));
  ui.cam.addEventListener("click", () => (s.cam ? camOff() : camOn()));
  ui.show.addEventListener("click", () => (s.camShown ? hideCam() : showCam()));
  ui.voiceOnly.addEventListener("click", () => setVoiceOnly(!s.voiceOnly));
  ui.low.addEventListener("click", () => setLow(!s.low));
  window.addEventListener("pagehide", () => {
    if (s.wanted) send({ type: "media.leave" });
    stopLocal();
  });

  // --- join / leave --------------------------------------------------------------------------

  function join() {
    showError("");
    s.wanted = true;
    ensureAudioContext();
    sendJoin();
    render();
    ui.leave.focus();
  }

  function sendJoin() {
    if (!s.wanted) return;
    setStatus(T.media_joining);
    send({ type: "media.join", video: !s.voiceOnly });
  }

  function leave() {
    if (s.wanted) send({ type: "media.leave" });
    endCall(T.media_left_you);
    ui.join.focus();
  }

  // Out of the call, locally: connections closed, devices released, the panel says why.
  function endCall(status) {
    s.wanted = false;
    teardown();
    stopLocal();
    s.micOn = false;
    s.camShown = false;
    s.config = null;
    setStatus(status);
    render();
  }

  function teardown() {
    for (const p of s.peers.values()) dropPeer(p, false);
    s.peers.clear();
    if (s.janus) s.janus.close();
    s.janus = null;
    s.myPeer = null;
    clearInterval(s.levelTimer);
    s.levelTimer = null;
    renderTiles();
  }

  function stopLocal() {
    for (const t of [s.mic, s.cam]) if (t) t.stop();
    s.mic = null;
    s.cam = null;
    s.localAnalyser = null;
    ui.preview.srcObject = null;
  }

  // --- local devices -------------------------------------------------------------------------

  function ensureAudioContext() {
    if (!s.audioCtx && window.AudioContext) {
      try {
        s.audioCtx = new AudioContext();
      } catch {
        s.audioCtx = null;
      }
    }
    if (s.audioCtx && s.audioCtx.state === "suspended") s.audioCtx.resume().catch(() => {});
  }

  function deviceError(err) {
    const name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError") showError(T.media_denied);
    else if (name === "NotFoundError" || name === "OverconstrainedError") showError(T.media_no_device);
    else showError(fmt("media_error", { message: (err && err.message) || String(err) }));
  }

  async function micOn() {
    if (s.modMuted || turnBlocked()) return render();
    // The group's guidelines come first: room.js shows them and moves the focus there.
    if (guidelinesPending()) return render();
    showError("");
    ensureAudioContext();
    if (!s.mic || s.mic.readyState === "ended") {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
        s.mic = stream.getAudioTracks()[0];
      } catch (err) {
        deviceError(err);
        return;
      }
      localAnalyser();
    }
    // A turn or a mute may have come while the browser asked.
    if (s.modMuted || turnBlocked()) return render();
    if (!s.wanted) join();
    s.micOn = true;
    s.mic.enabled = true;
    await applySenders();
    sendState();
    render();
  }

  async function micOff() {
    s.micOn = false;
    if (s.mic) s.mic.enabled = false;
    await applySenders();
    sendState();
    render();
  }

  async function camOn() {
    if (!videoAllowed()) return render();
    showError("");
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: s.low ? LOW : NORMAL,
      });
      s.cam = stream.getVideoTracks()[0];
    } catch (err) {
      deviceError(err);
      return;
    }
    ui.preview.srcObject = new MediaStream([s.cam]);
    ui.preview.play().catch(() => {});
    s.camShown = false; // the preview first; the group sees it only after "Show my camera"
    render();
    ui.show.focus();
  }

  async function camOff() {
    const had = s.camShown;
    s.camShown = false;
    if (s.cam) s.cam.stop();
    s.cam = null;
    ui.preview.srcObject = null;
    await applySenders();
    if (had) sendState();
    render();
    ui.cam.focus();
  }

  async function showCam() {
    if (!s.cam || !videoAllowed()) return;
    s.camShown = true;
    await applySenders();
    sendState();
    render();
  }

  async function hideCam() {
    s.camShown = false;
    await applySenders();
    sendState();
    render();
  }

  async function setVoiceOnly(on) {
    s.voiceOnly = on;
    if (on && s.cam) await camOff();
    for (const p of s.peers.values()) {
      const vt = p.videoEl && p.videoEl.srcObject && p.videoEl.srcObject.getVideoTracks()[0];
      if (vt) vt.enabled = !on;
    }
    renderTiles();
    render();
  }

  async function setLow(on) {
    s.low = on;
    if (s.cam) {
      try {
        await s.cam.applyConstraints(on ? LOW : NORMAL);
      } catch {
        /* the camera keeps its size: the sender limits below still apply */
      }
    }
    await applySenders();
    render();
  }

  function sendState() {
    if (s.config) send({ type: "media.state", audio: s.micOn, video: s.camShown });
  }

  // What each connection sends: the microphone only while on and allowed, the camera only
  // after "Show my camera to the group". A null track sends nothing at all.
  function outgoing() {
    const audio = s.micOn && !s.modMuted && !turnBlocked() && s.mic ? s.mic : null;
    const video = s.camShown && videoAllowed() && s.cam ? s.cam : null;
    return { audio, video };
  }

  async function applySenders() {
    const out = outgoing();
    const jobs = [];
    for (const p of s.peers.values()) if (p.pc) jobs.push(setSenders(p.pc, out));
    if (s.janus && s.janus.pub) jobs.push(setSenders(s.janus.pub, out));
    await Promise.all(jobs.map((j) => j.catch(() => {})));
  }

  async function setSenders(pc, out) {
    for (const t of pc.getTransceivers()) {
      if (t.stopped || t.currentDirection === "stopped") continue;
      const kind = t.receiver.track && t.receiver.track.kind;
      const want = kind === "audio" ? out.audio : out.video;
      if (t.sender.track !== want) await t.sender.replaceTrack(want);
      if (kind === "video") await videoLimits(t.sender);
    }
  }

  async function videoLimits(sender) {
    if (!sender.getParameters) return;
    const params = sender.getParameters();
    if (!params.encodings || !params.encodings.length) return;
    for (const e of params.encodings) {
      if (s.low) {
        e.maxBitrate = 150000;
        e.maxFramerate = 15;
      } else {
        delete e.maxBitrate;
        delete e.maxFramerate;
      }
    }
    try {
      await sender.setParameters(params);
    } catch {
      /* not every browser takes every field */
    }
  }

  // --- frames in -----------------------------------------------------------------------------

  function onFrame(f) {
    if (f.type === "media.config") return onConfig(f);
    if (f.type === "media.peer") return onPeer(f);
    if (f.type === "media.signal") return onSignal(f);
  }

  async function onConfig(f) {
    if (!s.wanted) {
      send({ type: "media.leave" });
      return;
    }
    teardown();
    s.config = f;
    s.myPeer = f.peer;
    s.modMuted = Boolean(f.muted);
    s.talkingPiece = Boolean(f.talking_piece);
    setStatus(f.video ? T.media_in_call : T.media_in_call_voice);
    if (!f.video) {
      if (s.cam) await camOff();
      showError(f.voice_only_group ? T.media_voice_only_group : T.media_video_cap);
    }
    if (s.modMuted || turnBlocked()) {
      s.micOn = false;
      if (s.mic) s.mic.enabled = false;
    }
    // One tile per person: after a server restart a person's old tab may still be listed for a
    // few seconds beside their new one; the newest (highest peer id) is the live one.
    const newest = new Map();
    for (const p of f.peers || []) {
      const uid = p.user && p.user.id;
      if (uid === myId()) continue; // my own other (or old) tab: no tile, no echo
      const seen = newest.get(uid);
      if (!seen || p.peer > seen.peer) newest.set(uid, p);
    }
    for (const p of newest.values()) addPeer(p);
    if (f.mode === "janus" && f.janus) {
      startJanus(f);
    }
    // Tell the others what this tab sends now (after a reconnect: the microphone may be on).
    sendState();
    startLevels();
    renderTiles();
    render();
  }

  function addPeer(info) {
    let p = s.peers.get(info.peer);
    if (!p) {
      p = { peer: info.peer, user: info.user || {}, audio: false, video: false, muted: false };
      s.peers.set(info.peer, p);
    }
    Object.assign(p, {
      user: info.user || p.user,
      audio: Boolean(info.audio),
      video: Boolean(info.video),
      muted: Boolean(info.muted),
    });
    return p;
  }

  function onPeer(f) {
    if (s.config && f.peer === s.myPeer && f.action === "left") {
      // The person joined the call from another tab or device: this one lets go.
      endCall(T.media_taken_over);
      return;
    }
    if (!s.config || f.peer === s.myPeer) return;
    if (f.user && f.user.id === myId()) return; // my own other tab
    const name = (f.user && f.user.display_name) || "";
    if (f.action === "joined") {
      const old = s.peers.get(f.peer);
      if (old) dropPeer(old, true);
      // The same person from a new tab (a reconnect): their old peer is gone.
      for (const q of [...s.peers.values()]) {
        if (f.user && q.user.id === f.user.id && q.peer !== f.peer) dropPeer(q, true);
      }
      const p = addPeer(f);
      say(fmt("media_joined", { name }));
      // Glare rule: the member already in the call makes the offer to the newcomer.
      if (s.config.mode === "mesh") offer(p);
    } else if (f.action === "state") {
      const p = s.peers.get(f.peer);
      if (!p) return;
      const wasMuted = p.muted;
      addPeer({ ...p, ...f, user: f.user || p.user });
      if (p.muted && !wasMuted) say(fmt("media_peer_muted", { name: p.user.display_name }));
      applyPeerPlayback(p);
    } else if (f.action === "left") {
      const p = s.peers.get(f.peer);
      if (p) {
        say(fmt("media_left", { name: p.user.display_name || name }));
        dropPeer(p, true);
      }
    }
    renderTiles();
  }

  function dropPeer(p, remove) {
    if (p.pc) {
      p.pc.ontrack = null;
      p.pc.onicecandidate = null;
      p.pc.close();
    }
    p.pc = null;
    if (p.sub) p.sub.close();
    p.sub = null;
    if (p.audioEl) p.audioEl.srcObject = null;
    if (p.videoEl) p.videoEl.srcObject = null;
    if (remove) {
      s.peers.delete(p.peer);
      renderTiles();
    }
  }

  // A facilitator's mute: stop playing that person's voice here.
  function applyPeerPlayback(p) {
    const silent = p.muted;
    if (p.audioEl) p.audioEl.muted = silent;
    const track = p.audioEl && p.audioEl.srcObject && p.audioEl.srcObject.getAudioTracks()[0];
    if (track) track.enabled = !silent;
    if (p.audioEl) p.audioEl.dataset.silenced = String(silent);
  }

  // --- mesh ----------------------------------------------------------------------------------

  function newPc(p) {
    const pc = new RTCPeerConnection({ iceServers: (s.config && s.config.ice_servers) || [] });
    p.pc = pc;
    p.pending = [];
    pc.onicecandidate = (e) => {
      send({ type: "media.signal", to: p.peer, candidate: e.candidate ? e.candidate.toJSON() : null });
    };
    pc.ontrack = (e) => attachTrack(p, e.track);
    pc.onconnectionstatechange = () => {
      if (!p.tile) return;
      p.tile.dataset.connection = pc.connectionState;
      // A network that blocks the call (no TURN, or TURN unreachable) is said on the tile.
      renderTile(p);
    };
    return pc;
  }

  async function offer(p) {
    const pc = newPc(p);
    // Audio first, then video: fixed m-lines, so turning things on later is replaceTrack only.
    const out = outgoing();
    pc.addTransceiver(out.audio || "audio", { direction: "sendrecv" });
    pc.addTransceiver(out.video || "video", { direction: "sendrecv" });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      send({ type: "media.signal", to: p.peer, description: pc.localDescription.toJSON() });
      videoLimits(pc.getTransceivers()[1].sender);
    } catch (err) {
      showError(fmt("media_error", { message: err.message }));
    }
  }

  async function onSignal(f) {
    if (!s.config || s.config.mode !== "mesh") return;
    let p = s.peers.get(f.from);
    if (!p) return; // not (or no longer) in the call as far as this tab knows
    try {
      if (f.description) {
        if (f.description.type === "offer") {
          if (p.pc) dropPeer(p, false);
          const pc = newPc(p);
          await pc.setRemoteDescription(f.description);
          for (const t of pc.getTransceivers()) t.direction = "sendrecv";
          await setSenders(pc, outgoing());
          await pc.setLocalDescription(await pc.createAnswer());
          send({ type: "media.signal", to: p.peer, description: pc.localDescription.toJSON() });
        } else if (f.description.type === "answer" && p.pc) {
          await p.pc.setRemoteDescription(f.description);
        }
        p = s.peers.get(f.from);
        if (p && p.pc && p.pending) {
          for (const c of p.pending.splice(0)) await p.pc.addIceCandidate(c).catch(() => {});
        }
      } else if ("candidate" in f) {
        if (!p.pc || !p.pc.remoteDescription) {
          if (!p.pending) p.pending = [];
          p.pending.push(f.candidate || undefined);
          return;
        }
        await p.pc.addIceCandidate(f.candidate || undefined).catch(() => {});
      }
    } catch (err) {
      showError(fmt("media_error", { message: err.message }));
    }
  }

  function attachTrack(p, track) {
    ensureTile(p);
    if (track.kind === "audio") {
      p.audioEl.srcObject = new MediaStream([track]);
      applyPeerPlayback(p);
      p.audioEl.play().catch(() => {});
    } else {
      track.enabled = !s.voiceOnly;
      p.videoEl.srcObject = new MediaStream([track]);
      p.videoEl.play().catch(() => {});
    }
  }

  // --- Janus (HTTP long-poll) ----------------------------------------------------------------

  function startJanus(config) {
    const j = new JanusClient(config.janus, config.ice_servers || []);
    s.janus = j;
    j.onError = (message) => {
      showError(T.media_unavailable + (message ? ` (${message})` : ""));
    };
    j.onTrack = (feed, track) => {
      const p = s.peers.get(feed);
      if (p) attachTrack(p, track);
    };
    // `outgoing` is read when the publisher's connection is made, not now: a microphone turned
    // on while Janus is still answering must not be left out (applySenders only reaches the
    // publisher once it exists).
    j.start(outgoing).then(
      () => {
        for (const p of s.peers.values()) j.subscribe(p.peer).catch(() => {});
      },
      (err) => {
        if (s.janus === j) showError(T.media_unavailable + ` (${err.message})`);
      },
    );
  }

  class JanusClient {
    constructor(info, iceServers) {
      this.url = info.url.replace(/\/$/, "");
      this.info = info;
      this.iceServers = iceServers;
      this.session = null;
      this.closed = false;
      this.waiters = new Map(); // transaction -> resolve, for events that answer a request
      this.pub = null;
      this.pubHandle = null;
      this.subs = new Map(); // feed -> {handle, pc}
      this.publishing = new Set(); // feeds Janus said are publishing ("publishers" events)
      this.onTrack = () => {};
      this.onError = () => {};
      this.log = []; // the last few subscription troubles, for state() (no SDP, no addresses)
    }

    note(what) {
      this.log.push(`${Math.round(performance.now())} ${what}`);
      if (this.log.length > 30) this.log.shift();
    }

    tx() {
      return Math.random().toString(36).slice(2, 14);
    }

    body(extra) {
      const b = { transaction: this.tx(), ...extra };
      if (this.info.api_secret) b.apisecret = this.info.api_secret;
      return b;
    }

    async post(path, payload) {
      const res = await fetch(this.url + path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      const data = await res.json();
      if (data.janus === "error") throw new Error((data.error && data.error.reason) || "janus error");
      return data;
    }

    // A request whose answer comes as an event on the long poll (join, publish, start).
    async request(handle, body, jsep) {
      const payload = this.body({ janus: "message", body });
      if (jsep) payload.jsep = jsep;
      const answer = new Promise((resolve, reject) => {
        this.waiters.set(payload.transaction, { resolve, reject });
        window.setTimeout(() => {
          if (this.waiters.delete(payload.transaction)) reject(new Error("timeout"));
        }, 15000);
      });
      const ack = await this.post(`/${this.session}/${handle}`, payload);
      if (ack.janus === "success") {
        this.waiters.delete(payload.transaction);
        return ack;
      }
      return answer;
    }

    async start(outgoing) {
      const created = await this.post("", this.body({ janus: "create" }));
      this.session = created.data.id;
      this.poll();
      this.keepalive = window.setInterval(() => {
        this.post(`/${this.session}`, this.body({ janus: "keepalive" })).catch(() => {});
      }, 25000);
      this.pubHandle = await this.attach();
      const joined = await this.request(this.pubHandle, {
        request: "join", ptype: "publisher", room: this.info.room, pin: this.info.pin,
        token: this.info.token, id: this.info.publisher_id, display: String(this.info.publisher_id),
      });
      const data = joined.plugindata && joined.plugindata.data;
      if (data && data.error) throw new Error(data.error);
      await this.publish(outgoing);
    }

    async attach() {
      const res = await this.post(`/${this.session}`, this.body({ janus: "attach", plugin: "janus.plugin.videoroom" }));
      return res.data.id;
    }

    trickle(handle, pc) {
      pc.onicecandidate = (e) => {
        const candidate = e.candidate ? e.candidate.toJSON() : { completed: true };
        this.post(`/${this.session}/${handle}`, this.body({ janus: "trickle", candidate })).catch(() => {});
      };
    }

    async publish(outgoing) {
      const pc = new RTCPeerConnection({ iceServers: this.iceServers });
      this.pub = pc;
      const out = outgoing(); // from here on, applySenders keeps this connection's tracks
      this.trickle(this.pubHandle, pc);
      pc.onconnectionstatechange = () => this.note(`publisher ${pc.connectionState}`);
      // First m-line audio (mid "0": what the server's `moderate` mutes), then video.
      pc.addTransceiver(out.audio || "audio", { direction: "sendonly" });
      pc.addTransceiver(out.video || "video", {
        direction: "sendonly",
        sendEncodings: [
          { rid: "h", active: true, maxBitrate: 600000 },
          { rid: "l", active: true, maxBitrate: 150000, scaleResolutionDownBy: 2 },
        ],
      });
      await pc.setLocalDescription(await pc.createOffer());
      const res = await this.request(
        this.pubHandle,
        { request: "publish", audio: true, video: true },
        pc.localDescription.toJSON(),
      );
      if (!res.jsep) throw new Error("no answer");
      await pc.setRemoteDescription(res.jsep);
    }

    async subscribe(feed, attempts = 3) {
      if (this.closed || this.subs.has(feed) || feed === this.info.publisher_id) return;
      const sub = { handle: null, pc: null };
      this.subs.set(feed, sub);
      this.note(`subscribe ${feed}`);
      let res;
      const dropped = () => this.closed || this.subs.get(feed) !== sub; // unpublished meanwhile
      try {
        sub.handle = await this.attach();
        if (dropped()) return this.detach(sub.handle);
        res = await this.request(sub.handle, {
          request: "join", ptype: "subscriber", room: this.info.room, pin: this.info.pin,
          token: this.info.token, streams: [{ feed }],
        });
        if (!res.jsep) throw new Error("no offer");
      } catch (err) {
        this.note(`subscribe ${feed} failed: ${err.message}`);
        // Not publishing yet ("No such feed"): the "publishers" event brings it back here. If
        // that event came while this attempt was on its way, try again now.
        this.unsubscribe(feed);
        if (attempts > 0 && this.publishing.has(feed) && s.peers.has(feed)) {
          return this.subscribe(feed, attempts - 1);
        }
        throw err;
      }
      if (dropped()) return this.detach(sub.handle);
      const pc = new RTCPeerConnection({ iceServers: this.iceServers });
      sub.pc = pc;
      this.trickle(sub.handle, pc);
      pc.ontrack = (e) => this.onTrack(feed, e.track);
      pc.onconnectionstatechange = () => this.note(`feed ${feed} ${pc.connectionState}`);
      this.note(`offer for ${feed}`);
      await pc.setRemoteDescription(res.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      await this.request(sub.handle, { request: "start" }, pc.localDescription.toJSON());
      this.note(`started ${feed}`);
    }

    unsubscribe(feed) {
      const sub = this.subs.get(feed);
      if (!sub) return;
      this.subs.delete(feed);
      if (sub.pc) sub.pc.close();
      if (sub.handle) this.detach(sub.handle);
    }

    detach(handle) {
      this.post(`/${this.session}/${handle}`, this.body({ janus: "detach" })).catch(() => {});
    }

    async poll() {
      while (!this.closed && this.session) {
        let events;
        try {
          let q = `?maxev=10&rid=${Date.now()}`;
          if (this.info.api_secret) q += `&apisecret=${encodeURIComponent(this.info.api_secret)}`;
          const res = await fetch(`${this.url}/${this.session}${q}`);
          events = await res.json();
        } catch (err) {
          if (!this.closed) this.onError(err.message);
          await new Promise((r) => window.setTimeout(r, 2000));
          continue;
        }
        for (const ev of Array.isArray(events) ? events : [events]) this.event(ev);
      }
    }

    event(ev) {
      if (!ev || ev.janus === "keepalive") return;
      const waiter = ev.transaction && this.waiters.get(ev.transaction);
      if (waiter && ev.janus === "event") {
        this.waiters.delete(ev.transaction);
        const data = ev.plugindata && ev.plugindata.data;
        if (data && data.error) waiter.reject(new Error(data.error));
        else waiter.resolve(ev);
      }
      const data = ev.plugindata && ev.plugindata.data;
      if (!data) return;
      for (const pub of data.publishers || []) {
        this.note(`publishing ${pub.id}${s.peers.has(pub.id) ? "" : " (not in the room yet)"}`);
        this.publishing.add(pub.id);
        if (s.peers.has(pub.id)) this.subscribe(pub.id).catch(() => {});
      }
      const gone = data.unpublished || data.leaving;
      if (gone && gone !== "ok") {
        this.note(`gone ${gone}`);
        this.publishing.delete(gone);
        this.unsubscribe(gone);
      }
    }

    close() {
      this.closed = true;
      window.clearInterval(this.keepalive);
      for (const feed of [...this.subs.keys()]) this.unsubscribe(feed);
      if (this.pub) this.pub.close();
      this.pub = null;
      if (this.session) {
        this.post(`/${this.session}`, this.body({ janus: "destroy" })).catch(() => {});
      }
      for (const w of this.waiters.values()) w.reject(new Error("closed"));
      this.waiters.clear();
    }
  }

  // A peer that joins later in Janus mode: subscribe once it publishes (the poll's
  // "publishers" event does it); a peer that leaves: unsubscribe.
  function janusPeerChange(f) {
    if (!s.janus) return;
    if (f.action === "joined") {
      const j = s.janus;
      const tryIt = (n) =>
        j.subscribe(f.peer).catch(() => {
          if (n > 0 && s.janus === j && s.peers.has(f.peer)) window.setTimeout(() => tryIt(n - 1), 1000);
        });
      tryIt(15);
    }
    if (f.action === "left") s.janus.unsubscribe(f.peer);
  }

  // --- tiles ---------------------------------------------------------------------------------

  function ensureTile(p) {
    if (p.tile) return p.tile;
    const li = node("li", { className: "tile", "data-peer": String(p.peer) });
    const video = node("video", { autoplay: true, playsInline: true, muted: true, className: "tile-video" });
    video.muted = true;
    const audio = node("audio", { autoplay: true, className: "tile-audio" });
    const label = node("p", { className: "tile-name" });
    const level = node("span", { className: "level", "aria-hidden": "true", "data-level": "0" });
    const tags = node("span", { className: "tile-tags" });
    label.append(level, node("span", { className: "who" }), tags);
    li.append(video, audio, label);
    Object.assign(p, { tile: li, videoEl: video, audioEl: audio, levelEl: level, tagsEl: tags });
    return li;
  }

  function tagList(parts) {
    return parts.filter(Boolean).join(" · ");
  }

  function renderTile(p) {
    const li = ensureTile(p);
    const name = (p.user && p.user.display_name) || "";
    li.dataset.user = String((p.user && p.user.id) || "");
    li.querySelector(".who").textContent = name;
    const showVideo = p.video && !s.voiceOnly && Boolean(p.videoEl.srcObject);
    li.classList.toggle("has-video", showVideo);
    p.videoEl.hidden = !showVideo;
    if (showVideo) p.videoEl.setAttribute("aria-label", fmt("media_video_of", { name }));
    p.tagsEl.textContent = tagList([
      p.muted ? T.media_tag_mod_muted : !p.audio ? T.media_tag_mic_off : "",
      p.video && s.voiceOnly ? T.media_tag_camera_hidden : "",
      p.pc && p.pc.connectionState === "failed" ? T.media_tag_no_connection : "",
    ]);
    li.classList.toggle("silenced", p.muted);
    applyPeerPlayback(p);
  }

  let selfTile = null;
  function renderSelf() {
    if (!s.wanted) {
      if (selfTile) selfTile.remove();
      selfTile = null;
      return;
    }
    if (!selfTile) {
      selfTile = node("li", { className: "tile self" });
      const label = node("p", { className: "tile-name" });
      label.append(
        node("span", { className: "level", "aria-hidden": "true", "data-level": "0" }),
        node("span", { className: "who" }),
        node("span", { className: "tile-tags" }),
      );
      selfTile.append(label);
    }
    if (ui.tiles.firstChild !== selfTile) ui.tiles.prepend(selfTile);
    const m = me();
    selfTile.querySelector(".who").textContent = fmt("media_you", { name: (m && m.display_name) || "" });
    selfTile.querySelector(".tile-tags").textContent = tagList([
      s.modMuted ? T.media_tag_mod_muted : !s.micOn ? T.media_tag_mic_off : "",
      s.camShown ? T.media_tag_camera_shown : "",
    ]);
  }

  function renderTiles() {
    renderSelf();
    const keep = new Set();
    for (const p of s.peers.values()) {
      renderTile(p);
      keep.add(p.tile);
      if (p.tile.parentNode !== ui.tiles) ui.tiles.append(p.tile);
    }
    for (const li of [...ui.tiles.children]) {
      if (li !== selfTile && !keep.has(li)) li.remove();
    }
    const others = s.peers.size;
    panel.dataset.peers = String(others);
    if (s.wanted && s.config && !others) setStatus(T.media_alone);
    else if (s.wanted && s.config) setStatus(fmt("media_count", { n: others + 1 }));
  }

  // --- audio levels --------------------------------------------------------------------------

  function localAnalyser() {
    if (!s.audioCtx || !s.mic) return;
    try {
      const source = s.audioCtx.createMediaStreamSource(new MediaStream([s.mic]));
      const analyser = s.audioCtx.createAnalyser();
      analyser.fftSize = 256;
      source.connect(analyser);
      s.localAnalyser = analyser;
    } catch {
      s.localAnalyser = null;
    }
  }

  function bucket(level) {
    // audioLevel 0..1 -> 0..4 bars
    if (level > 0.3) return 4;
    if (level > 0.15) return 3;
    if (level > 0.05) return 2;
    if (level > 0.01) return 1;
    return 0;
  }

  function startLevels() {
    clearInterval(s.levelTimer);
    s.levelTimer = window.setInterval(updateLevels, 300);
  }

  async function updateLevels() {
    if (selfTile) {
      let level = 0;
      if (s.localAnalyser && s.micOn && outgoing().audio) {
        const data = new Uint8Array(s.localAnalyser.fftSize);
        s.localAnalyser.getByteTimeDomainData(data);
        let peak = 0;
        for (const v of data) peak = Math.max(peak, Math.abs(v - 128) / 128);
        level = peak;
      }
      setLevel(selfTile, level);
    }
    for (const p of s.peers.values()) {
      const pc = p.pc || (s.janus && s.janus.subs.get(p.peer) && s.janus.subs.get(p.peer).pc);
      if (!pc || !p.tile) continue;
      let level = 0;
      try {
        const stats = await pc.getStats();
        stats.forEach((r) => {
          if (r.type === "inbound-rtp" && r.kind === "audio" && typeof r.audioLevel === "number") {
            level = Math.max(level, r.audioLevel);
          }
        });
      } catch {
        level = 0;
      }
      setLevel(p.tile, p.muted ? 0 : level);
    }
  }

  function setLevel(tile, level) {
    const b = bucket(level);
    const el = tile.querySelector(".level");
    if (el && el.dataset.level !== String(b)) el.dataset.level = String(b);
    tile.classList.toggle("speaking", b >= 2);
  }

  // --- what room.js tells us -----------------------------------------------------------------

  function onWelcome() {
    // After a reconnect the server forgot this tab's call: ask again, media comes back.
    if (s.wanted) sendJoin();
  }

  function onSocketClosed() {
    if (!s.config && !s.peers.size) return;
    teardown();
    s.config = null;
    if (s.wanted) setStatus(T.media_reconnecting);
    render();
  }

  function onStopped() {
    s.wanted = false;
    teardown();
    stopLocal();
    s.micOn = false;
    s.camShown = false;
    s.config = null;
    render();
    panel.hidden = true;
  }

  function onQueue(f) {
    const sp = f && f.speaker;
    const id = sp && typeof sp === "object" ? sp.id : sp || null;
    const changed = id !== s.speakerId;
    s.speakerId = id;
    if (changed && s.talkingPiece && s.wanted) {
      if (id === myId()) say(T.media_your_turn);
      else if (sp && typeof sp === "object") say(fmt("media_turn_of", { name: sp.display_name }));
    }
    if (turnBlocked() && s.micOn) {
      micOff(); // the turn moved on: this person's microphone goes off
      return;
    }
    applySenders();
    render();
  }

  function onModeration(f) {
    const target = f.user || {};
    if (target.id === myId()) {
      if (f.action === "mute") {
        s.modMuted = true;
        s.micOn = false;
        if (s.mic) s.mic.enabled = false;
        applySenders();
        say(T.media_mod_muted);
        render();
      } else if (f.action === "unmute") {
        s.modMuted = false;
        say(T.media_mod_unmuted);
        render();
      }
      return;
    }
    if (f.action === "remove") {
      for (const p of [...s.peers.values()]) if (p.user.id === target.id) dropPeer(p, true);
    }
    if (f.action === "mute" || f.action === "unmute") {
      for (const p of s.peers.values()) {
        if (p.user.id === target.id) {
          p.muted = f.action === "mute";
          if (p.muted) p.audio = false;
        }
      }
      renderTiles();
    }
  }

  // Anyone who is no longer in the room is no longer in the call (removed, gone, lost socket).
  function onPresence(f) {
    const here = new Set((f.participants || []).map((p) => p.id));
    for (const p of [...s.peers.values()]) {
      if (p.user && p.user.id && !here.has(p.user.id)) dropPeer(p, true);
    }
    const mine = (f.participants || []).find((p) => p.id === myId());
    if (mine && !isStaff && Boolean(mine.muted) !== s.modMuted) {
      onModeration({ action: mine.muted ? "mute" : "unmute", user: { id: myId() } });
    }
  }

  function onError(f) {
    const code = f.code || "";
    if (code === "guidelines_required") {
      // The server did not take the unmute: stop sending; room.js shows the guidelines.
      s.micOn = false;
      if (s.mic) s.mic.enabled = false;
      applySenders();
      render();
      return false;
    }
    if (!code.startsWith("media_")) return false;
    if (code === "media_muted") {
      s.modMuted = true;
      s.micOn = false;
      applySenders();
    } else if (code === "media_not_your_turn") {
      s.micOn = false;
      applySenders();
    } else if (code === "media_video_off") {
      s.camShown = false;
      if (s.config) s.config.video = false;
      applySenders();
    } else if (code === "media_full") {
      s.wanted = false;
      teardown();
      stopLocal();
      s.micOn = false;
      s.camShown = false;
    }
    const key = {
      media_full: "media_full",
      media_unavailable: "media_unavailable",
      media_muted: "media_mod_muted",
      media_not_your_turn: "media_not_your_turn",
      media_video_off: "media_video_cap",
    }[code];
    showError(key ? T[key] : fmt("media_error", { message: f.message || code }));
    render();
    return true;
  }

  // A debug handle for tests and for people helping over the phone: connections only, no SDP.
  window.hearthMedia = {
    connections: () => {
      const list = [];
      for (const p of s.peers.values()) if (p.pc) list.push({ peer: p.peer, user: p.user.id, pc: p.pc });
      if (s.janus) {
        if (s.janus.pub) list.push({ peer: s.myPeer, user: myId(), pc: s.janus.pub, publisher: true });
        for (const [feed, sub] of s.janus.subs) {
          const p = s.peers.get(feed);
          if (sub.pc) list.push({ peer: feed, user: p && p.user.id, pc: sub.pc });
        }
      }
      return list;
    },
    state: () => ({
      mode: s.config && s.config.mode, peer: s.myPeer, wanted: s.wanted, micOn: s.micOn,
      camShown: s.camShown, modMuted: s.modMuted, peers: [...s.peers.keys()],
      subscribed: s.janus ? [...s.janus.subs.keys()] : [],
      publishing: s.janus ? [...s.janus.publishing] : [],
      log: s.janus ? s.janus.log.slice() : [],
      // Whether this tab's Janus publisher carries a microphone track right now.
      publisherAudio: Boolean(
        s.janus && s.janus.pub &&
          s.janus.pub.getTransceivers().some((t) => t.sender.track && t.sender.track.kind === "audio"),
      ),
    }),
  };

  render();

  return {
    onFrame: (f) => {
      onFrame(f);
      if (f.type === "media.peer" && s.config && s.config.mode === "janus") janusPeerChange(f);
    },
    onWelcome,
    onSocketClosed,
    onStopped,
    onQueue,
    onModeration,
    onPresence,
    onError,
  };
}
