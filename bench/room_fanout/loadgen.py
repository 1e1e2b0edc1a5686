"""Load-generator worker process: many WebSocket clients on one asyncio loop.

Run as ``python -m room_fanout.loadgen`` (the harness starts it under ``taskset``).
It reads one JSON command per line on stdin and answers one JSON line on stdout.

Clients speak RFC 6455 directly on an ``asyncio.Protocol``: a hand-written
handshake and a minimal frame parser (server frames are unmasked; fragmentation,
ping/pong and close are handled). This is several times cheaper per received
frame than the stock ``websockets`` asyncio client, which tops out near
20-25k frames/s.

Every chat message carries a stamp ``~B~<step>.<gid>.<seq>.<room>.<t_ns>~`` in its
text: the step number, the sender's global client id, the sender's sequence
number, the sender's room index and the *intended* send time from
``time.monotonic_ns()`` (CLOCK_MONOTONIC, shared by all processes on the machine).
Using the intended time (open-loop schedule) means a lagging load generator
shows up as latency instead of hiding (no coordinated omission).

Commands (all bounded in time by the caller):
  {"cmd": "connect", "host", "port", "origin", "clients": [{gid, room, path, headers}],
   "concurrency", "timeout", "chat_template", "chat_type", "text_path"}
  {"cmd": "step", "step", "rate", "start_ns", "duration", "grace", "pad"}
  {"cmd": "close"}
  {"cmd": "quit"}
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import math
import os
import random
import resource
import struct
import sys
import time

try:
    from websockets.speedups import apply_mask as _c_apply_mask
except ImportError:  # pragma: no cover - pure-Python fallback
    _c_apply_mask = None

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MARK = b"~B~"
HIST_SCALE = 100.0  # log-histogram buckets of ~1 % width


def apply_mask(data: bytes, mask: bytes) -> bytes:
    if _c_apply_mask is not None:
        return _c_apply_mask(data, mask)
    n = len(data)
    m = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(data, "big") ^ m).to_bytes(n, "big")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A masked, unfragmented client frame."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    mask = random.randbytes(4)
    return header + mask + apply_mask(payload, mask)


class StepStats:
    """Receive-side counters for one step, shared by all clients of this worker."""

    def __init__(self) -> None:
        self.step = -1
        self.window_end = 0
        self.received = 0
        self.unique = 0
        self.dups = 0
        self.stale = 0
        self.misrouted = 0
        self.other_frames = 0
        self.bad_frames = 0
        self.hist: dict[int, int] = {}

    def reset(self, step: int, window_end: int) -> None:
        self.__init__()
        self.step = step
        self.window_end = window_end


class Client(asyncio.Protocol):
    def __init__(self, worker: Worker, spec: dict) -> None:
        self.w = worker
        self.gid: int = spec["gid"]
        self.room: int = spec["room"]
        self.path: str = spec["path"]
        self.headers: dict = spec.get("headers") or {}
        self.transport: asyncio.Transport | None = None
        self.open = False
        self.closed = False
        self.handshake: asyncio.Future = asyncio.get_running_loop().create_future()
        self.buf = bytearray()
        self.frag: bytearray | None = None
        self.frag_op = 0
        self.seq = 0
        self.seen: set[int] = set()
        self.key = base64.b64encode(os.urandom(16)).decode()

    # --- connection -------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.w.host}:{self.w.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key}",
            "Sec-WebSocket-Version: 13",
        ]
        if self.w.origin:
            lines.append(f"Origin: {self.w.origin}")
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def connection_lost(self, exc) -> None:
        was_open = self.open
        self.open = False
        self.closed = True
        if was_open:
            self.w.lost_connections += 1
        if not self.handshake.done():
            self.handshake.set_exception(ConnectionError(f"connection lost: {exc}"))

    def data_received(self, data: bytes) -> None:
        now = time.monotonic_ns()
        buf = self.buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > 65536:
                    self._fail("oversized handshake response")
                return
            head = bytes(buf[:end]).decode("latin-1")
            del buf[: end + 4]
            status = head.split("\r\n", 1)[0]
            if " 101 " not in status + " ":
                self._fail(f"handshake refused: {status}")
                return
            expect = base64.b64encode(
                hashlib.sha1((self.key + WS_GUID).encode(), usedforsecurity=False).digest()
            ).decode()
            if expect.lower() not in head.lower():
                self._fail("bad Sec-WebSocket-Accept")
                return
            self.open = True
            self.handshake.set_result(True)
        self._parse(now)

    def _fail(self, why: str) -> None:
        if not self.handshake.done():
            self.handshake.set_exception(ConnectionError(why))
        if self.transport:
            self.transport.abort()

    def _parse(self, now: int) -> None:
        buf = self.buf
        pos = 0
        n = len(buf)
        while n - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            ln = b1 & 0x7F
            hl = 2
            if ln == 126:
                if n - pos < 4:
                    break
                ln = (buf[pos + 2] << 8) | buf[pos + 3]
                hl = 4
            elif ln == 127:
                if n - pos < 10:
                    break
                ln = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                hl = 10
            masked = b1 & 0x80
            if masked:
                hl += 4
            if n - pos < hl + ln:
                break
            payload = bytes(buf[pos + hl : pos + hl + ln])
            if masked:
                payload = apply_mask(payload, bytes(buf[pos + hl - 4 : pos + hl]))
            pos += hl + ln
            op = b0 & 0x0F
            fin = b0 & 0x80
            if op == 0:  # continuation
                if self.frag is None:
                    continue
                self.frag += payload
                if fin:
                    payload, op = bytes(self.frag), self.frag_op
                    self.frag = None
                else:
                    continue
            elif op in (1, 2) and not fin:
                self.frag, self.frag_op = bytearray(payload), op
                continue
            if op == 1 or op == 2:
                self._on_message(payload, now)
            elif op == 9:  # ping
                self._write(10, payload)
            elif op == 8:  # close: echo and hang up
                self._write(8, payload[:2])
                self.open = False
                if self.transport:
                    self.transport.close()
                break
        if pos:
            del buf[:pos]

    def _on_message(self, payload: bytes, now: int) -> None:
        st = self.w.stats
        if MARK not in payload:
            st.other_frames += 1
            return
        try:
            obj = json.loads(payload)
            if obj.get("type") != self.w.chat_type:
                st.other_frames += 1
                return
            text = obj
            for k in self.w.text_path:
                text = text[k]
            i = text.index("~B~")
            j = text.index("~", i + 3)
            step, gid, seq, room, t_ns = text[i + 3 : j].split(".")
            step = int(step)
        except (ValueError, KeyError, TypeError, AttributeError):
            st.bad_frames += 1
            return
        if step != st.step or now > st.window_end:
            st.stale += 1
            return
        st.received += 1
        if int(room) != self.room:
            st.misrouted += 1
            return
        key = (int(gid) << 32) | int(seq)
        if key in self.seen:
            st.dups += 1
            return
        self.seen.add(key)
        st.unique += 1
        lat_us = (now - int(t_ns)) // 1000
        b = int(math.log(lat_us) * HIST_SCALE) if lat_us > 1 else 0
        st.hist[b] = st.hist.get(b, 0) + 1

    def _write(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(opcode, payload))

    def send_chat(self, step: int, t_ns: int, pad: str) -> bool:
        if not self.open:
            return False
        self.seq += 1
        text = f"~B~{step}.{self.gid}.{self.seq}.{self.room}.{t_ns}~{pad}"
        body = self.w.chat_template.replace("__TEXT__", json.dumps(text))
        self._write(1, body.encode())
        return True

    def close(self) -> None:
        if self.open:
            self._write(8, struct.pack("!H", 1000))
        self.open = False
        if self.transport is not None:
            self.transport.close()


class Worker:
    def __init__(self) -> None:
        self.clients: list[Client] = []
        self.stats = StepStats()
        self.host = "127.0.0.1"
        self.port = 0
        self.origin: str | None = None
        self.chat_template = '{"type": "chat", "text": __TEXT__}'
        self.chat_type = "chat"
        self.text_path: list[str] = ["text"]
        self.lost_connections = 0

    async def connect(self, cmd: dict) -> dict:
        self.host = cmd.get("host", "127.0.0.1")
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("only loopback targets are allowed")
        self.port = int(cmd["port"])
        self.origin = cmd.get("origin")
        self.chat_template = cmd.get("chat_template", self.chat_template)
        self.chat_type = cmd.get("chat_type", self.chat_type)
        self.text_path = list(cmd.get("text_path", self.text_path))
        timeout = float(cmd.get("timeout", 15.0))
        sem = asyncio.Semaphore(int(cmd.get("concurrency", 32)))
        loop = asyncio.get_running_loop()
        errors: list[str] = []

        async def one(spec: dict) -> Client | None:
            async with sem:
                try:
                    async with asyncio.timeout(timeout):
                        _, proto = await loop.create_connection(
                            lambda: Client(self, spec), self.host, self.port
                        )
                        await proto.handshake
                        return proto
                except (OSError, TimeoutError, ConnectionError) as exc:
                    if len(errors) < 5:
                        errors.append(f"{spec['path']}: {exc!r}")
                    return None

        t0 = time.monotonic()
        specs = list(cmd["clients"])
        made = list(await asyncio.gather(*(one(s) for s in specs)))
        # A refused handshake in a connection storm (e.g. Daphne's 5 s handshake timeout)
        # is retried one client at a time, at most `retries` rounds; counted in the reply.
        retried = 0
        for _ in range(int(cmd.get("retries", 2))):
            missing = [i for i, c in enumerate(made) if c is None]
            if not missing:
                break
            await asyncio.sleep(1.0)
            for i in missing:
                retried += 1
                made[i] = await one(specs[i])
        self.clients += [c for c in made if c is not None]
        # Let servers push their greeting frames (welcome, presence) before steps.
        await asyncio.sleep(float(cmd.get("settle", 0.2)))
        return {
            "connected": sum(c is not None for c in made),
            "failed": sum(c is None for c in made),
            "retried": retried,
            "errors": errors,
            "seconds": round(time.monotonic() - t0, 3),
        }

    async def step(self, cmd: dict) -> dict:
        step = int(cmd["step"])
        rate = float(cmd["rate"])  # messages per second sent by this worker
        start = int(cmd["start_ns"])
        dur_ns = int(float(cmd["duration"]) * 1e9)
        grace_ns = int(float(cmd["grace"]) * 1e9)
        pad = "x" * int(cmd.get("pad", 0))
        end = start + dur_ns
        senders = [c for c in self.clients if c.open]
        lost_before = self.lost_connections
        for c in self.clients:
            c.seen.clear()
        self.stats.reset(step, end + grace_ns)
        sent_by_room: dict[int, int] = {}
        send_failed = 0
        max_lag = 0
        planned = int(rate * dur_ns / 1e9) if senders else 0
        now = time.monotonic_ns()
        if start > now:
            await asyncio.sleep((start - now) / 1e9)
        k = 0
        ns_per_msg = 1e9 / rate if rate > 0 else 0.0
        while k < planned:
            now = time.monotonic_ns()
            due = min(planned, int((now - start) / ns_per_msg) + 1)
            while k < due:
                t_int = start + int(k * ns_per_msg)
                c = senders[k % len(senders)]
                if c.send_chat(step, t_int, pad):
                    sent_by_room[c.room] = sent_by_room.get(c.room, 0) + 1
                else:
                    send_failed += 1
                k += 1
                max_lag = max(max_lag, now - t_int)
            if k >= planned:
                break
            next_t = start + int(k * ns_per_msg)
            await asyncio.sleep(min(0.002, max(0.0, (next_t - time.monotonic_ns()) / 1e9)))
        now = time.monotonic_ns()
        if self.stats.window_end > now:
            await asyncio.sleep((self.stats.window_end - now) / 1e9)
        st = self.stats
        result = {
            "step": step,
            "planned": planned,
            "sent_by_room": {str(r): n for r, n in sent_by_room.items()},
            "send_failed": send_failed,
            "received": st.received,
            "unique": st.unique,
            "dups": st.dups,
            "stale": st.stale,
            "misrouted": st.misrouted,
            "other_frames": st.other_frames,
            "bad_frames": st.bad_frames,
            "hist": {str(b): n for b, n in st.hist.items()},
            "max_send_lag_ms": round(max_lag / 1e6, 3),
            "lost_connections": self.lost_connections - lost_before,
            "open": sum(c.open for c in self.clients),
        }
        st.step = -1  # anything arriving from now on is stale
        for c in self.clients:
            c.seen.clear()
        return result

    async def close(self) -> dict:
        n = len(self.clients)
        for c in self.clients:
            c.close()
        self.clients = []
        await asyncio.sleep(0.2)
        return {"closed": n}


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def main_async() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker = Worker()
    out = sys.stdout
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = json.loads(line)
        name = cmd.get("cmd")
        try:
            if name == "connect":
                res = await worker.connect(cmd)
            elif name == "step":
                res = await worker.step(cmd)
            elif name == "close":
                res = await worker.close()
            elif name == "quit":
                await worker.close()
                out.write(json.dumps({"ok": True}) + "\n")
                out.flush()
                break
            else:
                raise ValueError(f"unknown command {name!r}")
            res["ok"] = True
        except Exception as exc:  # reported to the controller, which fails the run
            res = {"ok": False, "error": repr(exc)}
        out.write(json.dumps(res) + "\n")
        out.flush()


def main() -> None:
    _raise_nofile()
    uvloop = None
    if os.environ.get("BENCH_LOADGEN_UVLOOP", "1") == "1":
        with contextlib.suppress(ImportError):
            import uvloop
    if uvloop is not None:
        uvloop.run(main_async())
    else:
        asyncio.run(main_async())


if __name__ == "__main__":
    main()
