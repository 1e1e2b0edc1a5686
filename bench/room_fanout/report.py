"""Markdown and JSON output: medians and spread across repeats."""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def _vals(xs: Iterable[float | None]) -> list[float]:
    return [x for x in xs if x is not None]


def spread(xs: Iterable[float | None], digits: int = 0) -> str:
    v = _vals(xs)
    if not v:
        return "–"
    fmt = f"{{:,.{digits}f}}"
    med = fmt.format(statistics.median(v))
    if len(v) == 1:
        return med
    return f"{med} ({fmt.format(min(v))}–{fmt.format(max(v))})"


def _loss_free(step: dict) -> bool:
    return (
        step["loss"] == 0
        and step["dups"] == 0
        and step["misrouted"] == 0
        and step["lost_connections"] == 0
        and step["delivered"] > 0
    )


def _top_loss_free(unit: dict) -> dict | None:
    """The loss-free step (any latency) with the most deliveries per second."""
    steps = list((unit.get("search") or {}).get("steps") or [])
    if unit.get("fixed"):
        steps.append(unit["fixed"])
    ok = [s for s in steps if _loss_free(s)]
    return max(ok, key=lambda s: s["delivered_per_s"], default=None)


def summarise(results: dict) -> dict:
    rows = []
    keys: list[tuple[str, str]] = []
    for u in results["units"]:
        k = (u["shape"], u["server"])
        if k not in keys:
            keys.append(k)
    for shape, server in keys:
        units = [u for u in results["units"] if u["shape"] == shape and u["server"] == server]
        bests = [(u.get("search") or {}).get("best") for u in units]
        fixed = [u["fixed"] for u in units if u.get("fixed")]
        tops = [t for t in (_top_loss_free(u) for u in units) if t]
        passed = [b for b in bests if b]
        extra_names = sorted({k for b in passed + tops for k in b["extra_cpu_us_per_delivery"]})
        rows.append(
            {
                "shape": shape,
                "server": server,
                "n": len(units),
                "max_deliveries_per_s": [b["delivered_per_s"] if b else None for b in bests],
                "first_fail_above": [
                    (u.get("search") or {}).get("first_fail_above") for u in units
                ],
                "cpu_us_per_delivery_at_max": [b["cpu_us_per_delivery"] for b in passed],
                "p50_ms_at_max": [b["p50_ms"] for b in passed],
                "p99_ms_at_max": [b["p99_ms"] for b in passed],
                "loadgen_cpu_at_max": [b["loadgen_cpu_util"] for b in passed],
                "other_cpu_on_server_cpu_at_max": [
                    b.get("other_cpu_util_server_cpu") for b in passed
                ],
                "top_loss_free_deliveries_per_s": [t["delivered_per_s"] for t in tops],
                "top_loss_free_p99_ms": [t["p99_ms"] for t in tops],
                "cpu_us_per_delivery_at_top_loss_free": [t["cpu_us_per_delivery"] for t in tops],
                "extra_cpu_us_per_delivery_at_top_loss_free": {
                    k: [t["extra_cpu_us_per_delivery"].get(k) for t in tops] for k in extra_names
                },
                "loadgen_cpu_at_top_loss_free": [t["loadgen_cpu_util"] for t in tops],
                "fixed_deliveries_per_s": [f["delivered_per_s"] for f in fixed],
                "fixed_p50_ms": [f["p50_ms"] for f in fixed],
                "fixed_p99_ms": [f["p99_ms"] for f in fixed],
                "fixed_loss": [f["loss"] for f in fixed],
                "fixed_cpu_us_per_delivery": [f["cpu_us_per_delivery"] for f in fixed],
                "fixed_other_cpu_on_server_cpu": [
                    f.get("other_cpu_util_server_cpu") for f in fixed
                ],
            }
        )
    idle = []
    for server in dict.fromkeys(r["server"] for r in results["idle"]):
        recs = [r for r in results["idle"] if r["server"] == server]
        idle.append(
            {
                "server": server,
                "n": len(recs),
                "clients": recs[0]["clients"],
                "kib_per_conn": [r["kib_per_conn"] for r in recs],
                "rss_base_kib": [r["rss_base_kib"] for r in recs],
            }
        )
    return {"rows": rows, "idle": idle}


def _found(xs: list[float | None]) -> str:
    """Spread of the rates found, with [k/n] when some repeats found no passing rate."""
    k = len(_vals(xs))
    return spread(xs) + (f" [{k}/{len(xs)} repeats passed]" if k < len(xs) else "")


def _pcts(xs: Iterable[float | None]) -> str:
    v = _vals(xs)
    return spread([max(0.0, x) * 100 for x in v]) + " %" if v else "–"


def markdown(results: dict, summary: dict, meta: dict) -> str:
    o = meta["options"]
    out = [
        "# Room fan-out benchmark",
        "",
        f"Command: `{meta['command']}`  ",
        f"Date: {meta['date']}; wall time {meta.get('wall_seconds', '?')} s; "
        f"machine: {meta['machine']}  ",
        f"Python {meta['python']}; {meta['versions']}",
        "",
        f"Server pinned to CPU {o['server_cpu']}, {o['load_procs']} load-generator process(es) "
        f"pinned to CPU {o['load_cpu']}. Repeats: {o['repeats']} (servers alternate order "
        f"each repeat; a fresh server process per shape and repeat). Cells are "
        f"**median (min–max)** over repeats. Method: bench/room_fanout/README.md.",
        "",
        "## Throughput and CPU per delivery",
        "",
        f"- **max del/s**: highest delivered chat frames per second (messages × recipients, "
        f"sender included) in a {o['step_seconds']:g} s step with zero loss, zero duplicates "
        f"and p99 send-to-receive < 100 ms (doubling search, then {o['bisections']} geometric "
        f"bisections; a frame arriving more than {o['grace_seconds']:g} s after the step ends "
        f"counts as lost). *fail ≥*: the lowest failing rate above it (when no step passed: the "
        f"lowest failing rate tried).",
        "- **loss-free del/s**: the highest step of the search with zero loss whatever its "
        "latency (p99 shown): the throughput ceiling, less sensitive to tail noise.",
        "- **CPU µs/del**: server CPU (utime+stime from /proc/<pid>/stat, all threads) over "
        "the step and its grace window, divided by deliveries, at that loss-free step (the most "
        "stable figure); *redis*: the redis-server's CPU per delivery for the Redis layer.",
        "- **lg CPU**: the load generator's share of its CPU (near 100 % = load-generator "
        "bound). **other**: busy time on the server's CPU not spent by the server (other "
        "tenants of this shared machine, and softirq time charged to no process).",
        "",
        "| shape | server | max del/s (p99<100ms, loss 0) | fail ≥ | p50 / p99 ms @max "
        "| other @max | loss-free del/s | its p99 ms | CPU µs/del | redis µs/del | lg CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in summary["rows"]:
        redis = r["extra_cpu_us_per_delivery_at_top_loss_free"].get("redis")
        out.append(
            f"| {r['shape']} | {r['server']} | {_found(r['max_deliveries_per_s'])} "
            f"| {spread(r['first_fail_above'])} "
            f"| {spread(r['p50_ms_at_max'], 1)} / {spread(r['p99_ms_at_max'], 1)} "
            f"| {_pcts(r['other_cpu_on_server_cpu_at_max'])} "
            f"| {spread(r['top_loss_free_deliveries_per_s'])} "
            f"| {spread(r['top_loss_free_p99_ms'], 1)} "
            f"| {spread(r['cpu_us_per_delivery_at_top_loss_free'], 1)} "
            f"| {spread(redis, 1) if redis else '–'} "
            f"| {_pcts(r['loadgen_cpu_at_top_loss_free'])} |"
        )
    out += [
        "",
        "## Latency at a fixed moderate rate",
        "",
        f"{o['fixed_seconds']:g} s where every client sends one message every "
        f"{o['fixed_interval']:g} s ("
        + "; ".join(_fixed_rate(s, o["fixed_interval"]) for s in o["shapes"])
        + "). CPU µs/del here includes idle overhead and 10 ms tick quantisation.",
        "",
        "| shape | server | del/s | p50 ms | p99 ms | loss | CPU µs/del | other |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in summary["rows"]:
        out.append(
            f"| {r['shape']} | {r['server']} | {spread(r['fixed_deliveries_per_s'])} "
            f"| {spread(r['fixed_p50_ms'], 1)} | {spread(r['fixed_p99_ms'], 1)} "
            f"| {spread(r['fixed_loss'])} | {spread(r['fixed_cpu_us_per_delivery'], 1)} "
            f"| {_pcts(r['fixed_other_cpu_on_server_cpu'])} |"
        )
    if summary["idle"]:
        out += [
            "",
            "## Memory per idle connection",
            "",
            f"Server RSS (VmRSS of its process tree) before and after connecting "
            f"{o['idle_clients']} idle clients in rooms of 50, after a warm-up.",
            "",
            "| server | idle clients | KiB per idle connection | base RSS MiB |",
            "|---|---|---|---|",
        ]
        for r in summary["idle"]:
            out.append(
                f"| {r['server']} | {r['clients']} | {spread(r['kib_per_conn'], 1)} "
                f"| {spread([x / 1024 for x in r['rss_base_kib']], 1)} |"
            )
    out += ["", "## Servers", ""]
    for name, desc in results.get("descriptions", {}).items():
        out.append(f"- `{name}`: {desc}")
    for name, why in results["skipped"].items():
        out.append(f"- `{name}`: **skipped** — {why}")
    if results["errors"]:
        out += ["", "Errors:", ""] + [f"- {e}" for e in results["errors"]]
    if meta.get("notes"):
        out += ["", "## Notes", "", meta["notes"]]
    out += ["", "Every step's raw numbers: the JSON file next to this one.", ""]
    return "\n".join(out)


def _fixed_rate(shape: str, interval: float) -> str:
    rooms, per_room = (int(x) for x in shape.split("x"))
    msgs = rooms * per_room / interval
    return f"{shape}: {msgs:g} msg/s = {msgs * per_room:,.0f} del/s"
