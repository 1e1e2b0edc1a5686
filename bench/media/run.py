#!/usr/bin/env python
"""Voice and video benchmark: the peer-to-peer mesh against Janus, through Hearth's real room.

One run measures both media paths side by side (issue 14):

- a real Daphne on 127.0.0.1 with its own SQLite per path (tests/e2e/conftest.HearthServer);
  the Janus one has JANUS_URL set to Debian's `janus` running in a network namespace of its own
  (tests/media_servers.JanusServer, needs root);
- one headless Debian Chromium process per person (/usr/bin/chromium, fake microphone and
  camera), each on the room page as a different person, every ICE candidate outside loopback
  and the Janus namespace dropped in the page (tests/e2e/media_helpers.only_addresses);
- at 2, 4 and 6 people, voice only and with video (the panel's "Low bandwidth" switch, so the
  camera is 320x240 at 15 fps, then "Turn on camera", "Show my camera to the group"):
  per person uplink (outbound-rtp bytesSent rate, summed over the person's peer connections,
  over a 10 s window), per person browser CPU (CPU seconds of that Chromium's process tree
  per wall second, from /proc), Janus CPU per forwarded stream (janus's CPU over the window
  divided by publishers x subscribers each), and the whole machine's busy cores;
- time from the "Turn on microphone" click to the first inbound audio bytes at the other
  person of a two-person call (getStats polled every 20 ms in the listener's page; both
  instants read from the same wall clock), repeated, p50 and p95.

    sudo .venv/bin/python bench/media/run.py                  # the full run, about 8 minutes
    sudo .venv/bin/python bench/media/run.py --sizes 2 --repeats 5 --window 5   # a quick look
    sudo .venv/bin/python bench/media/run.py --paths mesh --sizes 12 --media voice  # the cap

Prints a Markdown table (and --json PATH writes the raw numbers). No screenshots or files
are kept; the servers' temporary directories are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM, HearthServer  # noqa: E402
from tests.e2e.media_helpers import MEDIA_FLAGS, only_addresses  # noqa: E402
from tests.media_servers import JanusServer  # noqa: E402

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    *MEDIA_FLAGS,
]
TICK = os.sysconf("SC_CLK_TCK")

# A group with a lead facilitator and N-1 attendees holding seats, its session's room open
# (on Janus when the server has JANUS_URL). Runs inside `manage.py shell`.
_MAKE_ROOM = """
import json
from datetime import timedelta
from sessions_app.services.accounts import login_session_create
from sessions_app import services
from rooms import services as room_services
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

u = {unique!r}
group = GroupFactory(name="Bench circle " + u, slug="bench-" + u, lobby_enabled=False, capacity=20)
lead = facilitator(group, UserFactory(username="lead-" + u, display_name="Lee"))
people = [lead]
for i in range(1, {size}):
    name = "P" + str(i)
    person = member(group, UserFactory(username=f"p{{i}}-" + u, display_name=name),
                    display_name=name)
    people.append(person)
session = one_off_session(group, starts_in=timedelta(minutes=5), minutes=90)
for person in people[1:]:
    services.rsvp_create(session=session, user=person)
room_services.room_open(session=session, by=lead)
print(json.dumps({{
    "session": session.pk,
    "ids": [p.pk for p in people],
    "cookies": [login_session_create(user=p) for p in people],
}}))
"""

# Outbound RTP of this tab over all its connections: bytes, and how many connections and
# RTP streams carry any.
OUTBOUND = """async () => {
  let bytes = 0, pcs = 0, streams = 0;
  for (const c of window.hearthMedia.connections()) {
    const stats = await c.pc.getStats();
    let here = 0;
    stats.forEach((r) => {
      if (r.type === "outbound-rtp" && (r.bytesSent || 0) > 0) {
        here += r.bytesSent;
        streams += 1;
      }
    });
    bytes += here;
    if (here > 0) pcs += 1;
  }
  return { bytes, pcs, streams, at: Date.now() };
}"""

# The listener's side of the first-audio timing: from now on, every 20 ms, the inbound audio
# bytes from USER; window.__firstAudio is the wall-clock instant they first grow.
WATCH_AUDIO = """async (user) => {
  const read = async () => {
    let n = 0;
    for (const c of window.hearthMedia.connections()) {
      if (c.user !== user) continue;
      const stats = await c.pc.getStats();
      stats.forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") n += r.bytesReceived || 0;
      });
    }
    return n;
  };
  window.__firstAudio = null;
  const base = await read();
  const poll = async () => {
    if (window.__firstAudio !== null) return;
    if ((await read()) > base) window.__firstAudio = Date.now();
    else setTimeout(poll, 20);
  };
  setTimeout(poll, 20);
  return base;
}"""

# The speaker's side: the wall-clock instant of the click on the microphone button, taken
# before media.js's own handler runs.
MARK_CLICK = """() => {
  if (window.__markInstalled) return;
  window.__markInstalled = true;
  document.addEventListener("click", (e) => {
    if (e.target && e.target.id === "media-mic") window.__clicked = Date.now();
  }, { capture: true });
}"""

AUDIO_FROM = """async (user) => {
  let n = 0;
  for (const c of window.hearthMedia.connections()) {
    if (c.user !== user) continue;
    const stats = await c.pc.getStats();
    stats.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "audio") n += r.bytesReceived || 0;
    });
  }
  return n;
}"""

INBOUND = """async () => {
  const out = { audio: {}, video: {} };
  for (const c of window.hearthMedia.connections()) {
    const stats = await c.pc.getStats();
    stats.forEach((r) => {
      if (r.type === "inbound-rtp") {
        const m = out[r.kind];
        m[c.user] = (m[c.user] || 0) + (r.bytesReceived || 0);
      }
    });
  }
  return out;
}"""


# -- /proc ------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime + stime in seconds) of a live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _all_processes() -> dict[int, tuple[int, float]]:
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                out[int(name)] = st
    return out


def tree_cpu(root: int, procs: dict[int, tuple[int, float]]) -> float:
    """CPU seconds of `root` and its live descendants."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            total += procs[pid][1]
        todo.extend(children.get(pid, []))
    return total


def machine_busy() -> tuple[float, float]:
    """(busy seconds summed over cores, wall-clock seconds) since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICK, time.monotonic()


def browser_pid(marker: str) -> int:
    """The main process of the Chromium launched with `marker` among its arguments."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            argv = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker.encode() in argv:
            found.append(int(name))
    for pid in found:
        st = _stat(pid)
        if st and st[0] not in found:
            return pid
    raise RuntimeError(f"no Chromium process with {marker}")


# -- the room ---------------------------------------------------------------------------------


@dataclass
class Person:
    browser: object
    pid: int
    context: object = None
    page: Page | None = None
    user: int = 0


@dataclass
class Row:
    path: str
    size: int
    video: bool
    uplink: list[float] = field(default_factory=list)  # bytes/s per person
    uplink_pcs: list[int] = field(default_factory=list)
    uplink_streams: list[int] = field(default_factory=list)
    browser_cpu: list[float] = field(default_factory=list)  # cores per person
    janus_cpu: float | None = None  # cores
    daphne_cpu: float = 0.0
    machine_cores: float = 0.0
    flowing: str = ""  # "pairs receiving / pairs" once the call settled


def make_room(server: HearthServer, size: int) -> dict:
    out = server.shell(_MAKE_ROOM.format(unique=secrets.token_hex(4), size=size))
    return json.loads(out.strip().splitlines()[-1])


def launch(playwright, n: int) -> list[Person]:
    people = []
    for _ in range(n):
        marker = "--hearth-bench=" + secrets.token_hex(6)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*BROWSER_ARGS, marker]
        )
        people.append(Person(browser=browser, pid=browser_pid(marker)))
    return people


def enter(people: list[Person], server: HearthServer, room: dict, allowed: list[str]) -> None:
    for person, cookie, user in zip(people, room["cookies"], room["ids"], strict=False):
        context = person.browser.new_context(
            base_url=server.url, viewport={"width": 1000, "height": 800}
        )
        context.add_cookies(
            [{"name": "sessionid", "value": cookie, "url": server.url, "httpOnly": True}]
        )
        context.add_init_script(only_addresses(*allowed))
        page = context.new_page()
        page.goto(f"/sessions/{room['session']}/room/")
        expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
        person.context, person.page, person.user = context, page, user


def start_media(people: list[Person], video: bool) -> None:
    for person in people:
        page = person.page
        page.get_by_role("button", name="Join voice").click()
        expect(page.locator("#media")).to_have_attribute("data-state", "in-call")
        page.get_by_role("button", name="Turn on microphone").click()
        expect(page.locator("#media-mic")).to_have_attribute("aria-pressed", "true")
        if video:
            page.locator("#media-low").click()
            expect(page.locator("#media-low")).to_have_attribute("aria-pressed", "true")
            page.get_by_role("button", name="Turn on camera").click()
            page.get_by_role("button", name="Show my camera to the group").click()
            expect(page.locator("#media-show")).to_have_attribute("aria-pressed", "true")


def wait_flowing(people: list[Person], video: bool, timeout: float = 40) -> tuple[int, int]:
    """Until every person receives audio (and video) from every other, or `timeout`: (pairs
    flowing, pairs) at the end."""
    kinds = ("audio", "video") if video else ("audio",)
    pairs = len(people) * (len(people) - 1)
    deadline = time.monotonic() + timeout
    first = [p.page.evaluate(INBOUND) for p in people]
    while True:
        time.sleep(1)
        flowing = 0
        for person, before in zip(people, first, strict=True):
            now = person.page.evaluate(INBOUND)
            for other in people:
                key = str(other.user)
                if other is not person and all(
                    now[k].get(key, 0) > before[k].get(key, 0) for k in kinds
                ):
                    flowing += 1
        if flowing == pairs or time.monotonic() > deadline:
            return flowing, pairs
        first = [p.page.evaluate(INBOUND) for p in people]


def measure(people, row: Row, window: float, janus_pid: int | None, daphne_pid: int) -> None:
    before = [p.page.evaluate(OUTBOUND) for p in people]
    procs0, busy0 = _all_processes(), machine_busy()
    time.sleep(window)
    procs1, busy1 = _all_processes(), machine_busy()
    after = [p.page.evaluate(OUTBOUND) for p in people]
    wall = busy1[1] - busy0[1]
    row.machine_cores = (busy1[0] - busy0[0]) / wall
    for person, b, a in zip(people, before, after, strict=True):
        row.uplink.append((a["bytes"] - b["bytes"]) / ((a["at"] - b["at"]) / 1000))
        row.uplink_pcs.append(a["pcs"])
        row.uplink_streams.append(a["streams"])
        cpu = tree_cpu(person.pid, procs1) - tree_cpu(person.pid, procs0)
        row.browser_cpu.append(cpu / wall)
    if janus_pid is not None:
        row.janus_cpu = (tree_cpu(janus_pid, procs1) - tree_cpu(janus_pid, procs0)) / wall
    row.daphne_cpu = (tree_cpu(daphne_pid, procs1) - tree_cpu(daphne_pid, procs0)) / wall


def first_audio(people: list[Person], repeats: int) -> list[float]:
    """Milliseconds from the speaker's microphone click to the listener's first new audio
    bytes, `repeats` times (the microphone turned off and quiet in between)."""
    speaker, listener = people[1], people[0]
    speaker.page.evaluate(MARK_CLICK)
    mic = speaker.page.locator("#media-mic")
    out = []
    for _ in range(repeats):
        if mic.get_attribute("aria-pressed") == "true":
            mic.click()
            expect(mic).to_have_attribute("aria-pressed", "false")
        # Quiet: two readings 300 ms apart agree.
        deadline = time.monotonic() + 10
        while True:
            a = listener.page.evaluate(AUDIO_FROM, speaker.user)
            time.sleep(0.3)
            b = listener.page.evaluate(AUDIO_FROM, speaker.user)
            if a == b or time.monotonic() > deadline:
                break
        time.sleep(0.2)
        listener.page.evaluate(WATCH_AUDIO, speaker.user)
        mic.click()
        expect(mic).to_have_attribute("aria-pressed", "true")
        listener.page.wait_for_function("() => window.__firstAudio !== null", timeout=10_000)
        heard = listener.page.evaluate("window.__firstAudio")
        clicked = speaker.page.evaluate("window.__clicked")
        out.append(heard - clicked)
    return out


def close(people: list[Person]) -> None:
    for person in people:
        try:
            person.browser.close()
        except Exception as err:  # noqa: BLE001 - keep closing the others
            print(f"closing a browser: {err}", file=sys.stderr)


def run_path(playwright, path, server, janus, sizes, media, window, repeats, log):
    rows, latencies = [], []
    allowed = ["127.0.0.1"] + ([janus.ip] if janus else [])
    janus_pid = janus.proc.pid if janus else None
    for size in sizes:
        for video in [m == "video" for m in media]:
            row = Row(path=path, size=size, video=video)
            people = launch(playwright, size)
            try:
                room = make_room(server, size)
                enter(people, server, room, allowed)
                start_media(people, video)
                flowing, pairs = wait_flowing(people, video)
                row.flowing = f"{flowing}/{pairs}"
                if flowing < pairs:
                    log(f"  {path} {size} video={video}: only {flowing} of {pairs} pairs flow")
                time.sleep(3)  # past the bandwidth estimator's ramp
                measure(people, row, window, janus_pid, server.daphne.pid)
                if size == min(sizes) and not video and flowing == pairs:
                    latencies = first_audio(people, repeats)
            finally:
                close(people)
            rows.append(row)
            log(
                f"  {path} {size} {'video' if video else 'voice'}: "
                f"uplink {statistics.mean(row.uplink) / 1000:.1f} kB/s, "
                f"browser {statistics.mean(row.browser_cpu):.2f} cores, "
                f"machine {row.machine_cores:.2f}"
            )
    return rows, latencies


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def table(rows: list[Row], latencies: dict[str, list[float]]) -> str:
    lines = [
        "| path | people | media | uplink per person, kB/s (min–max)"
        " | connections / RTP streams sending, per person"
        " | browser CPU per person, % of a core (min–max)"
        " | Janus CPU per forwarded stream, % of a core | Daphne CPU, %"
        " | machine busy, cores of 2 (others' share) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        up = [u / 1000 for u in r.uplink]
        cpu = [c * 100 for c in r.browser_cpu]
        streams = r.size * (r.size - 1)
        janus = f"{r.janus_cpu * 100 / streams:.2f} ({streams} streams)" if r.janus_cpu else "—"
        ours = sum(r.browser_cpu) + (r.janus_cpu or 0) + r.daphne_cpu
        done, _, pairs = r.flowing.partition("/")
        flag = "" if done == pairs else f" (only {r.flowing} pairs flowing)"
        lines.append(
            f"| {r.path} | {r.size} | {'320×240 video' if r.video else 'voice'}{flag} "
            f"| {statistics.mean(up):.1f} ({min(up):.1f}–{max(up):.1f}) "
            f"| {statistics.mean(r.uplink_pcs):.0f} / {statistics.mean(r.uplink_streams):.0f} "
            f"| {statistics.mean(cpu):.0f} ({min(cpu):.0f}–{max(cpu):.0f}) "
            f"| {janus} | {r.daphne_cpu * 100:.0f} "
            f"| {r.machine_cores:.2f} ({r.machine_cores - ours:.2f}) |"
        )
    lines += ["", "| path | unmute → first audio at the other person | n | p50 | p95 | max |"]
    lines.append("|---|---|---|---|---|---|")
    for path, values in latencies.items():
        if values:
            lines.append(
                f"| {path} | click to first inbound bytes | {len(values)} "
                f"| {pct(values, 0.5):.0f} ms | {pct(values, 0.95):.0f} ms "
                f"| {max(values):.0f} ms |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2,4,6", help="people per room, comma-separated")
    parser.add_argument("--window", type=float, default=10, help="seconds measured per case")
    parser.add_argument("--repeats", type=int, default=25, help="unmute timings per path")
    parser.add_argument("--paths", default="mesh,janus")
    parser.add_argument("--media", default="voice,video", help="voice, video or both")
    parser.add_argument("--json", help="write the raw numbers here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    paths = args.paths.split(",")
    started = time.monotonic()

    def log(text: str) -> None:
        print(f"[{time.monotonic() - started:5.0f} s] {text}", file=sys.stderr, flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="hearth-bench-media-"))
    janus = None
    servers: list[HearthServer] = []
    rows: list[Row] = []
    latencies: dict[str, list[float]] = {}
    try:
        with sync_playwright() as playwright:
            for path in paths:
                (workdir / path).mkdir()
                server = HearthServer(workdir / path)
                if path == "janus":
                    janus = JanusServer(workdir / path)
                    janus.start()
                    log(f"janus in namespace {janus.netns} at {janus.url}")
                    server.env.update(
                        JANUS_URL=janus.url,
                        JANUS_ADMIN_SECRET=janus.admin_key,
                        JANUS_API_SECRET=janus.api_secret,
                    )
                server.manage("migrate", "--noinput", "-v", "0")
                server.start()
                servers.append(server)
                log(f"{path}: hearth at {server.url}")
                got, latencies[path] = run_path(
                    playwright,
                    path,
                    server,
                    janus if path == "janus" else None,
                    sizes,
                    args.media.split(","),
                    args.window,
                    args.repeats,
                    log,
                )
                rows += got
                server.stop()
    finally:
        for server in servers:
            server.stop()
        if janus is not None:
            janus.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    order = {p: i for i, p in enumerate(paths)}
    rows.sort(key=lambda r: (r.video, r.size, order[r.path]))
    print(table(rows, latencies))
    log(f"done in {time.monotonic() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"rows": [asdict(r) for r in rows], "first_audio_ms": latencies}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
