"""The controller: starts servers and load workers, runs steps, searches rates."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field

from room_fanout.procs import (
    LoadWorker,
    Proc,
    cpu_busy_seconds,
    cpu_seconds,
    free_port,
    log,
    rss_kib,
    wait_port,
)
from room_fanout.servers import REGISTRY
from room_fanout.spec import BenchContext, ServerSpec, ServerUnavailable, SetupRequest

P99_LIMIT_MS = 100.0


@dataclass(frozen=True)
class Shape:
    rooms: int
    per_room: int

    @property
    def name(self) -> str:
        return f"{self.rooms}x{self.per_room}"

    @property
    def clients(self) -> int:
        return self.rooms * self.per_room

    @classmethod
    def parse(cls, text: str) -> Shape:
        rooms, per_room = text.lower().split("x")
        shape = cls(int(rooms), int(per_room))
        if not (1 <= shape.rooms <= 500 and 1 <= shape.per_room <= 1000):
            raise ValueError(f"shape out of range: {text}")
        return shape


@dataclass
class Options:
    servers: list[str]
    shapes: list[Shape]
    repeats: int = 3
    step_seconds: float = 5.0
    grace_seconds: float = 1.0
    fixed_seconds: float = 10.0
    fixed_interval: float = 10.0  # each client sends one message every N seconds
    start_rate: float = 1000.0  # deliveries/s of the first search step
    max_rate: float = 400_000.0
    bisections: int = 3
    max_steps: int = 16
    unit_budget: float = 300.0  # seconds per (server, shape, repeat)
    idle_clients: int = 1000
    load_procs: int = 2
    server_cpu: str = "0"
    load_cpu: str = "1"
    pad: int = 40  # extra characters in each chat text
    redis_url: str = "redis://127.0.0.1:6379/0"
    quiet_wait: float = 20.0  # max seconds to wait for other tenants before a step
    quiet_threshold: float = 0.10  # "quiet": others use < 10 % of the server CPU
    contention_limit: float = 0.25  # a step where others used > 25 % is repeated...
    contention_retries: int = 2  # ...at most this many times (then kept, flagged)
    keep_logs: bool = False
    log_dir: str = ""
    run_prefix: str = field(default_factory=lambda: f"bench-rf-{secrets.token_hex(4)}")


def percentile(hist: dict[int, int], q: float) -> float | None:
    """q-th percentile in ms from the loadgen's log histogram (bucket b ~ exp(b/100) us)."""
    total = sum(hist.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= rank:
            return math.exp((b + 0.5) / 100.0) / 1000.0
    return None


class LoadGroup:
    """The load-generator processes (pinned to the load CPU), reused across servers."""

    def __init__(self, opts: Options, bench_dir: str):
        env = dict(os.environ)
        env["PYTHONPATH"] = bench_dir + (
            os.pathsep + env["PYTHONPATH"] if "PYTHONPATH" in env else ""
        )
        self.workers: list[LoadWorker] = []
        for i in range(opts.load_procs):
            self.workers.append(
                LoadWorker(
                    sys.executable,
                    opts.load_cpu,
                    env,
                    os.path.join(opts.log_dir, f"loadgen-{i}.log"),
                )
            )
        self.members: dict[int, int] = {}
        self.connected = 0

    def pids(self) -> list[int]:
        return [p for w in self.workers for p in w.proc.pids()]

    def connect(self, spec: ServerSpec, port: int, rooms, timeout: float = 60.0) -> dict:
        cfg = spec.client_config(port)
        flat = []
        for r, room in enumerate(rooms):
            for ep in room:
                flat.append({"gid": len(flat), "room": r, "path": ep.path, "headers": ep.headers})
        for ep in flat:
            if not ep["path"].startswith("/"):
                raise ValueError(f"client path must start with '/': {ep['path']!r}")
        n = len(self.workers)
        for i, w in enumerate(self.workers):
            w.send(
                {
                    "cmd": "connect",
                    "host": "127.0.0.1",
                    "port": port,
                    "clients": flat[i::n],
                    "concurrency": 8,
                    "timeout": 20.0,
                    **cfg,
                }
            )
        replies = [w.recv(timeout=timeout + 60) for w in self.workers]
        self.members = {r: len(room) for r, room in enumerate(rooms)}
        self.connected = sum(r["connected"] for r in replies)
        failed = sum(r["failed"] for r in replies)
        errors = [e for r in replies for e in r["errors"]]
        return {
            "retried": sum(r.get("retried", 0) for r in replies),
            "connected": self.connected,
            "failed": failed,
            "errors": errors[:5],
            "seconds": max(r["seconds"] for r in replies),
        }

    def close(self) -> None:
        for w in self.workers:
            w.send({"cmd": "close"})
        for w in self.workers:
            w.recv(timeout=30)
        self.members = {}
        self.connected = 0

    def stop(self) -> None:
        for w in self.workers:
            w.stop()


class Bench:
    def __init__(self, opts: Options, bench_dir: str, repo_root: str):
        self.opts = opts
        self.bench_dir = bench_dir
        self.repo_root = repo_root
        self.load: LoadGroup | None = None
        self.step_no = 0
        self._server_pids: list[int] = []
        self._reconnect_hook = lambda: None

    # --- servers ----------------------------------------------------------
    @contextlib.contextmanager
    def server(self, name: str):
        port = free_port()
        run_dir = tempfile.mkdtemp(prefix=f"{name}-", dir=self.opts.log_dir)
        ctx = BenchContext(
            port=port,
            run_dir=run_dir,
            repo_root=self.repo_root,
            bench_dir=self.bench_dir,
            python=sys.executable,
            redis_url=self.opts.redis_url,
            redis_prefix=f"{self.opts.run_prefix}-{port}",
            server_cpu=self.opts.server_cpu,
        )
        spec = REGISTRY[name](ctx)
        argv = [a.replace("{port}", str(port)) for a in spec.argv]
        proc = None
        try:
            proc = Proc(
                argv,
                cpu=self.opts.server_cpu,
                env={**os.environ, **spec.env},
                cwd=spec.cwd or self.repo_root,
                log_path=os.path.join(run_dir, "server.log"),
            )
            wait_port(port, proc.popen, spec.start_timeout)
            yield spec, proc, port
        finally:
            if proc is not None:
                proc.stop()
            if spec.teardown is not None:
                spec.teardown()
            if not self.opts.keep_logs:
                shutil.rmtree(run_dir, ignore_errors=True)

    def connect(self, spec: ServerSpec, port: int, rooms: int, per_room: int, purpose: str) -> dict:
        req = SetupRequest(
            rooms=rooms,
            clients_per_room=per_room,
            purpose=purpose,
            base_url=f"http://127.0.0.1:{port}",
        )
        endpoints = spec.setup(req)
        info = self.load.connect(spec, port, endpoints)
        if info["failed"]:
            raise RuntimeError(
                f"{info['failed']} of {rooms * per_room} clients failed to "
                f"connect: {info['errors']}"
            )
        return info

    def quiesce(self, proc: Proc, limit: float = 10.0, threshold: float = 0.15) -> float:
        """Wait (bounded) until the server uses < threshold of a CPU; returns seconds waited."""
        t0 = time.monotonic()
        pids = proc.pids()
        while time.monotonic() - t0 < limit:
            c0 = cpu_seconds(pids)
            time.sleep(0.25)
            if (cpu_seconds(pids) - c0) / 0.25 < threshold:
                break
        return round(time.monotonic() - t0, 2)

    # --- one step -----------------------------------------------------------
    def wait_quiet_machine(self) -> float:
        """Wait (bounded by --quiet-wait) until other tenants leave the server CPU alone."""
        opts = self.opts
        t0 = time.monotonic()
        ours = set()
        if self.load:
            ours.update(self.load.pids())
        while time.monotonic() - t0 < opts.quiet_wait:
            b0 = cpu_busy_seconds(opts.server_cpu)
            pids = list(ours | set(self._server_pids))
            c0 = cpu_seconds(pids)
            time.sleep(0.5)
            b1 = cpu_busy_seconds(opts.server_cpu)
            if b0 is None or b1 is None:
                break
            # Our own processes may run on that CPU too; discount all of their time.
            if (b1 - b0 - (cpu_seconds(pids) - c0)) / 0.5 < opts.quiet_threshold:
                break
        return round(time.monotonic() - t0, 1)

    def step(
        self,
        spec: ServerSpec,
        proc: Proc,
        deliveries_per_s: float,
        duration: float,
        per_room: int,
        label: str = "step",
    ) -> dict:
        """One measured step; re-run (bounded) when other tenants loaded the server CPU."""
        self._server_pids = proc.pids()
        res: dict = {}
        for attempt in range(self.opts.contention_retries + 1):
            waited = self.wait_quiet_machine()
            res = self._step_once(spec, proc, deliveries_per_s, duration, per_room, label)
            res["quiet_wait_s"] = waited
            res["attempt"] = attempt + 1
            other = res.get("other_cpu_util_server_cpu")
            res["contended"] = other is not None and other > self.opts.contention_limit
            if not res["contended"] or label == "warm":
                break
            log(f"    (other tenants used {other:.0%} of the server CPU: step repeated)")
            if not res["pass"]:
                self._reconnect_hook()
        return res

    def _step_once(
        self,
        spec: ServerSpec,
        proc: Proc,
        deliveries_per_s: float,
        duration: float,
        per_room: int,
        label: str,
    ) -> dict:
        opts = self.opts
        self.step_no += 1
        msg_rate = deliveries_per_s / per_room
        n = len(self.load.workers)
        server_pids = proc.pids()
        extra = spec.extra_cpu_pids() if spec.extra_cpu_pids else {}
        load_pids = self.load.pids()
        start_ns = time.monotonic_ns() + 300_000_000
        for w in self.load.workers:
            w.send(
                {
                    "cmd": "step",
                    "step": self.step_no,
                    "rate": msg_rate / n,
                    "start_ns": start_ns,
                    "duration": duration,
                    "grace": opts.grace_seconds,
                    "pad": opts.pad,
                }
            )
        time.sleep(max(0.0, (start_ns - time.monotonic_ns()) / 1e9))
        t0 = time.monotonic()
        s0 = cpu_seconds(server_pids)
        e0 = {k: cpu_seconds([p]) for k, p in extra.items()}
        l0 = cpu_seconds(load_pids)
        b0 = cpu_busy_seconds(opts.server_cpu), cpu_busy_seconds(opts.load_cpu)
        replies = [w.recv(timeout=duration + opts.grace_seconds + 60) for w in self.load.workers]
        wall = time.monotonic() - t0
        server_cpu = cpu_seconds(server_pids) - s0
        extra_cpu = {k: cpu_seconds([p]) - e0[k] for k, p in extra.items()}
        load_cpu = cpu_seconds(load_pids) - l0
        b1 = cpu_busy_seconds(opts.server_cpu), cpu_busy_seconds(opts.load_cpu)
        # Busy time on the pinned CPUs not spent by our pinned processes: other tenants.
        other = [
            None if x0 is None or x1 is None else (x1 - x0 - ours) / wall
            for x0, x1, ours in zip(b0, b1, (server_cpu, load_cpu), strict=True)
        ]

        sent: dict[int, int] = {}
        hist: dict[int, int] = {}
        tot = dict.fromkeys(
            (
                "planned",
                "send_failed",
                "received",
                "unique",
                "dups",
                "stale",
                "misrouted",
                "other_frames",
                "bad_frames",
                "lost_connections",
            ),
            0,
        )
        lag = 0.0
        for rep in replies:
            for r, k in rep["sent_by_room"].items():
                sent[int(r)] = sent.get(int(r), 0) + k
            for b, k in rep["hist"].items():
                hist[int(b)] = hist.get(int(b), 0) + k
            for key in tot:
                tot[key] += rep[key]
            lag = max(lag, rep["max_send_lag_ms"])
        messages = sum(sent.values())
        expected = sum(k * self.load.members.get(r, 0) for r, k in sent.items())
        loss = expected - tot["unique"]
        p50, p99 = percentile(hist, 0.50), percentile(hist, 0.99)
        pmax = percentile(hist, 1.0)
        ok = (
            tot["unique"] > 0
            and loss == 0
            and tot["dups"] == 0
            and tot["misrouted"] == 0
            and tot["send_failed"] == 0
            and tot["lost_connections"] == 0
            and p99 is not None
            and p99 < P99_LIMIT_MS
        )
        res = {
            "target_deliveries_per_s": round(deliveries_per_s, 1),
            "msg_rate": round(msg_rate, 2),
            "duration_s": duration,
            "messages": messages,
            "expected": expected,
            "delivered": tot["unique"],
            "delivered_per_s": round(tot["unique"] / duration, 1),
            "loss": loss,
            "dups": tot["dups"],
            "misrouted": tot["misrouted"],
            "late_after_window": tot["stale"],
            "send_failed": tot["send_failed"],
            "lost_connections": tot["lost_connections"],
            "other_frames": tot["other_frames"],
            "bad_frames": tot["bad_frames"],
            "p50_ms": _r(p50),
            "p99_ms": _r(p99),
            "max_ms": _r(pmax),
            "server_cpu_s": round(server_cpu, 3),
            "server_cpu_util": round(server_cpu / wall, 3),
            "cpu_us_per_delivery": _r(server_cpu * 1e6 / tot["unique"]) if tot["unique"] else None,
            "extra_cpu_us_per_delivery": {
                k: _r(v * 1e6 / tot["unique"]) if tot["unique"] else None
                for k, v in extra_cpu.items()
            },
            "loadgen_cpu_util": round(load_cpu / wall, 3),
            "max_send_lag_ms": lag,
            "other_cpu_util_server_cpu": _r(other[0]),
            "other_cpu_util_load_cpu": _r(other[1]),
            "pass": ok,
        }
        log(
            f"    {label} {deliveries_per_s:>9.0f} del/s: delivered {tot['unique']:>8} "
            f"loss {loss:>7} p50 {_fmt(p50)} p99 {_fmt(p99)} ms  srv cpu "
            f"{res['server_cpu_util']:.0%} {_fmt(res['cpu_us_per_delivery'])} us/del  "
            f"lg cpu {res['loadgen_cpu_util']:.0%}  other on cpu{opts.server_cpu} "
            f"{_pct(other[0])}  {'PASS' if ok else 'FAIL'}"
        )
        return res

    # --- units --------------------------------------------------------------
    def run_shape(self, name: str, shape: Shape, repeat: int, prior_best: float | None) -> dict:
        opts = self.opts
        rec: dict = {"server": name, "shape": shape.name, "repeat": repeat}
        t_unit = time.monotonic()
        with self.server(name) as (spec, proc, port):
            rec["server_name"] = spec.name
            rec["description"] = spec.description
            try:
                info = self.connect(spec, port, shape.rooms, shape.per_room, "shape")
                self._reconnect_hook = lambda: self._reconnect(spec, proc, port, shape)
                rec["connect_s"] = info["seconds"]
                rec["connect_retried"] = info["retried"]
                # Warm-up (lazy imports, first-message paths); not recorded.
                self.step(spec, proc, 20.0 * shape.per_room, 1.0, shape.per_room, "warm")
                self.quiesce(proc)
                # (b) fixed moderate rate: every client sends one message every N seconds.
                fixed_rate = shape.clients / opts.fixed_interval * shape.per_room
                log(
                    f"  [{name} {shape.name} r{repeat}] fixed rate, each client every "
                    f"{opts.fixed_interval:g}s"
                )
                rec["fixed"] = self.step(spec, proc, fixed_rate, opts.fixed_seconds, shape.per_room)
                if not rec["fixed"]["pass"]:
                    self._reconnect(spec, proc, port, shape)
                # (a) + (d) rate search.
                log(f"  [{name} {shape.name} r{repeat}] rate search")
                rec["search"] = self.search(spec, proc, port, shape, prior_best, t_unit)
            finally:
                self._reconnect_hook = lambda: None
                if self.load.connected:
                    self.load.close()
        rec["seconds"] = round(time.monotonic() - t_unit, 1)
        return rec

    def _reconnect(self, spec: ServerSpec, proc: Proc, port: int, shape: Shape) -> None:
        self.load.close()
        self.quiesce(proc, limit=15.0)
        self.connect(spec, port, shape.rooms, shape.per_room, "shape")
        self.quiesce(proc)

    def search(
        self, spec, proc, port, shape: Shape, prior_best: float | None, t_unit: float
    ) -> dict:
        """Double until a step fails, then bisect (geometric) between last pass and fail."""
        opts = self.opts
        # Floor: a step must carry at least 5 messages.
        floor = 5.0 * shape.per_room / opts.step_seconds
        rate = prior_best / 2 if prior_best else opts.start_rate
        rate = max(floor, min(rate, opts.max_rate))
        best = fail = None
        steps: list[dict] = []
        halvings = bisections = 0
        while len(steps) < opts.max_steps:
            if time.monotonic() - t_unit > opts.unit_budget:
                log("    unit time budget reached, stopping search")
                break
            res = self.step(spec, proc, rate, opts.step_seconds, shape.per_room)
            steps.append(res)
            if res["pass"]:
                best = res
                self.quiesce(proc)
            else:
                fail = res
                self._reconnect(spec, proc, port, shape)
            if fail is None:
                if rate >= opts.max_rate:
                    break
                rate = min(rate * 2, opts.max_rate)
            elif best is None:
                halvings += 1
                if halvings > 5 or rate <= floor:
                    break
                rate = max(floor, rate / 2)
            else:
                lo = best["target_deliveries_per_s"]
                hi = min(
                    s["target_deliveries_per_s"]
                    for s in steps
                    if not s["pass"] and s["target_deliveries_per_s"] > lo
                )
                if bisections >= opts.bisections or hi / lo < 1.04:
                    break
                bisections += 1
                rate = math.sqrt(lo * hi)
        first_fail = min(
            (
                s["target_deliveries_per_s"]
                for s in steps
                if not s["pass"]
                and (best is None or s["target_deliveries_per_s"] > best["target_deliveries_per_s"])
            ),
            default=None,
        )
        return {"best": best, "first_fail_above": first_fail, "steps": steps}

    def run_idle(self, name: str, repeat: int) -> dict:
        """(c) server RSS delta per idle connection at opts.idle_clients clients."""
        opts = self.opts
        per_room = 50
        rooms = max(1, opts.idle_clients // per_room)
        n = rooms * per_room
        rec: dict = {"server": name, "repeat": repeat, "clients": n}
        with self.server(name) as (spec, proc, port):
            rec["server_name"] = spec.name
            try:
                self.connect(spec, port, 1, 10, "warmup")
                self.step(spec, proc, 200.0, 1.0, 10, "warm")
                self.load.close()
                self.quiesce(proc)
                time.sleep(1.0)
                base = rss_kib(proc.pids())
                info = self.connect(spec, port, rooms, per_room, "idle")
                rec["connect_s"] = info["seconds"]
                rec["connect_retried"] = info["retried"]
                self.quiesce(proc)
                time.sleep(2.0)
                loaded = rss_kib(proc.pids())
            finally:
                if self.load.connected:
                    self.load.close()
        rec.update(
            rss_base_kib=base, rss_loaded_kib=loaded, kib_per_conn=round((loaded - base) / n, 2)
        )
        log(
            f"  [{name} idle r{repeat}] {n} clients: RSS {base} -> {loaded} KiB, "
            f"{rec['kib_per_conn']} KiB/connection"
        )
        return rec

    # --- the whole run ----------------------------------------------------
    def run(self) -> dict:
        opts = self.opts
        results: dict = {"units": [], "idle": [], "skipped": {}, "errors": []}
        available = self._probe_servers(results)
        self.load = LoadGroup(opts, self.bench_dir)
        best_by: dict[tuple[str, str], list[float]] = {}
        try:
            for rep in range(opts.repeats):
                order = available if rep % 2 == 0 else available[::-1]
                for shape in opts.shapes:
                    for name in order:
                        prior = best_by.get((name, shape.name))
                        prior_best = sorted(prior)[len(prior) // 2] if prior else None
                        log(f"== repeat {rep + 1}/{opts.repeats} shape {shape.name} server {name}")
                        try:
                            rec = self.run_shape(name, shape, rep, prior_best)
                        except Exception as exc:  # recorded, the run goes on
                            log(f"  ERROR {name} {shape.name}: {exc!r}")
                            results["errors"].append(f"{name} {shape.name} r{rep}: {exc!r}")
                            continue
                        results["units"].append(rec)
                        best = (rec.get("search") or {}).get("best")
                        if best:
                            best_by.setdefault((name, shape.name), []).append(
                                best["target_deliveries_per_s"]
                            )
                if opts.idle_clients:
                    for name in order:
                        try:
                            results["idle"].append(self.run_idle(name, rep))
                        except Exception as exc:
                            log(f"  ERROR {name} idle: {exc!r}")
                            results["errors"].append(f"{name} idle r{rep}: {exc!r}")
        finally:
            self.load.stop()
        return results

    def _probe_servers(self, results: dict) -> list[str]:
        """Build each spec once (without starting it) to skip unavailable servers early."""
        ok = []
        for name in self.opts.servers:
            if name not in REGISTRY:
                raise SystemExit(f"unknown server {name!r}; known: {', '.join(REGISTRY)}")
            run_dir = tempfile.mkdtemp(prefix=f"probe-{name}-", dir=self.opts.log_dir)
            ctx = BenchContext(
                port=free_port(),
                run_dir=run_dir,
                repo_root=self.repo_root,
                bench_dir=self.bench_dir,
                python=sys.executable,
                redis_url=self.opts.redis_url,
                redis_prefix=f"{self.opts.run_prefix}-probe",
                server_cpu=self.opts.server_cpu,
            )
            try:
                spec = REGISTRY[name](ctx)
                results.setdefault("descriptions", {})[name] = spec.description
                ok.append(name)
            except ServerUnavailable as exc:
                log(f"SKIP {name}: {exc}")
                results["skipped"][name] = str(exc)
            finally:
                shutil.rmtree(run_dir, ignore_errors=True)
        return ok


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.1f}"


def _pct(x: float | None) -> str:
    return "?" if x is None else f"{max(0.0, x):.0%}"
