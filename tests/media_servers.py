"""Real media servers for tests: Janus in a network namespace of its own, coturn on 127.0.0.1.

Janus never gathers ICE candidates on `lo`, and tests send traffic only to loopback or to a
namespace they made themselves (DESIGN 6b). So `JanusServer` makes a namespace with a veth
pair (host side 10.255.N.1/30, namespace side 10.255.N.2/30; N is 0 unless another run holds
it), starts Janus inside it with the configuration in `deploy/janus/` (HTTP transport bound
to the namespace address instead of loopback, a test `admin_key`), and tears everything down
at the end, also when a test or the start-up fails. `CoturnServer` runs `turnserver` with
`deploy/coturn/turnserver.conf` on a free port of 127.0.0.1 and a test secret.

Fixtures (session-scoped): `janus_server`, `coturn_server`. Without janus/coturn/ip or root
they skip with the reason; with HEARTH_REQUIRE_SERVICES=1 or CI=true they fail instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
LOCK = Path("/run/hearth-test-netns.lock")


def services_required() -> bool:
    return bool(os.environ.get("HEARTH_REQUIRE_SERVICES")) or os.environ.get("CI") == "true"


def skip_or_fail(reason: str) -> None:
    """Skip the test (locally) or fail it (in CI, where nothing may be skipped)."""
    if services_required():
        pytest.fail(reason + " (required here: HEARTH_REQUIRE_SERVICES or CI is set)")
    pytest.skip(reason)


def _missing(programs: dict[str, str], root: bool = False) -> list[str]:
    """What is missing of `programs` (program: Debian package), and root if `root`."""
    missing = [
        f"{program} (apt-get install {package})"
        for program, package in programs.items()
        if shutil.which(program) is None
    ]
    if root and os.geteuid() != 0:
        missing.append("root (to make a network namespace)")
    return missing


def _free_udp_tcp_port() -> int:
    """A port free on 127.0.0.1 for both TCP and UDP."""
    for _ in range(100):
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port on 127.0.0.1")


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True, timeout=30)


def _stop(proc: subprocess.Popen | None, grace: float = 10) -> None:
    """SIGTERM the process (by its own PID), then SIGKILL after `grace` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class JanusServer:
    """Janus in its own network namespace. `url` is its HTTP API (http://10.255.N.2:8088/janus),
    reachable from this (host) namespace; `admin_key` is the VideoRoom's."""

    HTTP_PORT = 8088

    def __init__(self, workdir: Path, *, admin_key: str | None = None, api_secret: str = ""):
        self.workdir = workdir
        self.admin_key = admin_key or "test-" + secrets.token_hex(12)
        self.api_secret = api_secret
        tag = secrets.token_hex(3)
        self.netns = f"hj{tag}"  # interface names: at most 15 characters
        self.host_if, self.ns_if = f"hj{tag}a", f"hj{tag}b"
        self.host_ip = self.ip = ""
        self.url = ""
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / "janus.log"
        self._made_netns = False

    # -- network

    def _used_subnets(self) -> set[int]:
        out = subprocess.run(
            ["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True
        ).stdout
        return {int(m.group(1)) for m in re.finditer(r"inet 10\.255\.(\d+)\.1/30", out)}

    def _make_network(self) -> None:
        LOCK.parent.mkdir(parents=True, exist_ok=True)
        with open(LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # parallel runs pick distinct subnets
            used = self._used_subnets()
            n = next(i for i in range(256) if i not in used)
            self.host_ip, self.ip = f"10.255.{n}.1", f"10.255.{n}.2"
            _run("ip", "netns", "add", self.netns)
            self._made_netns = True
            _run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            _run("ip", "link", "set", self.ns_if, "netns", self.netns)
            _run("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            _run("ip", "-n", self.netns, "addr", "add", f"{self.ip}/30", "dev", self.ns_if)
            _run("ip", "link", "set", self.host_if, "up")
            _run("ip", "-n", self.netns, "link", "set", self.ns_if, "up")
            _run("ip", "-n", self.netns, "link", "set", "lo", "up")
        self.url = f"http://{self.ip}:{self.HTTP_PORT}/janus"

    def _remove_network(self) -> None:
        if self._made_netns:
            subprocess.run(["ip", "netns", "del", self.netns], capture_output=True, timeout=30)
            self._made_netns = False
        # Deleting the namespace deletes the pair; make sure of it.
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True, timeout=30)

    # -- configuration

    def write_config(self) -> Path:
        """deploy/janus/ with the HTTP transport on the namespace address and a test key."""
        config = self.workdir / "janus-config"
        config.mkdir(exist_ok=True)
        for source in (DEPLOY / "janus").glob("*.jcfg"):
            shutil.copy(source, config / source.name)
        http = config / "janus.transport.http.jcfg"
        text, n = re.subn(r'(?m)^\tip = "127\.0\.0\.1"', f'\tip = "{self.ip}"', http.read_text())
        assert n == 1, 'deploy/janus/janus.transport.http.jcfg: expected one `ip = "127.0.0.1"`'
        http.write_text(text)
        room = config / "janus.plugin.videoroom.jcfg"
        text, n = re.subn(
            r'(?m)^\tadmin_key = "[^"]*"', f'\tadmin_key = "{self.admin_key}"', room.read_text()
        )
        assert n == 1, "deploy/janus/janus.plugin.videoroom.jcfg: expected one admin_key"
        room.write_text(text)
        core = config / "janus.jcfg"
        text = core.read_text()
        text = re.sub(
            r'(?m)^\tadmin_secret = "[^"]*"',
            f'\tadmin_secret = "{secrets.token_hex(12)}"',
            text,
        )
        # The address Janus puts in its SDP (it finds none by itself: no default route here).
        text, n = re.subn(r'(?m)^\t#interface = "[^"]*"', f'\tinterface = "{self.ip}"', text)
        assert n == 1, "deploy/janus/janus.jcfg: expected one `#interface = ...`"
        if self.api_secret:
            text, n = re.subn(
                r'(?m)^\t#api_secret = "[^"]*"', f'\tapi_secret = "{self.api_secret}"', text
            )
            assert n == 1
        core.write_text(text)
        return config

    # -- process

    def start(self, timeout: float = 30) -> None:
        try:
            self._make_network()
            config = self.write_config()
            log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
            try:
                self.proc = subprocess.Popen(
                    [
                        "ip",
                        "netns",
                        "exec",
                        self.netns,
                        "janus",
                        "-F",
                        str(config),
                        "-C",
                        str(config / "janus.jcfg"),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            finally:
                log.close()
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def info(self) -> dict:
        request = urllib.request.Request(  # noqa: S310 - our own namespace
            self.url,
            data=json.dumps({"janus": "info", "transaction": secrets.token_hex(6)}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return json.loads(response.read())

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"janus exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if self.info().get("janus") == "server_info":
                    return
            except (OSError, ValueError):
                time.sleep(0.2)
        raise RuntimeError(f"janus did not answer on {self.url} in {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        try:
            _stop(self.proc)  # Janus takes about 3 s to exit after SIGTERM
        finally:
            self._remove_network()


class CoturnServer:
    """coturn on 127.0.0.1 with the repository's configuration, a free port and a test
    secret. `urls` is what RTCIceServer.urls takes."""

    def __init__(self, workdir: Path, *, secret: str | None = None, realm: str = "hearth.test"):
        self.workdir = workdir
        self.secret = secret or secrets.token_hex(16)
        self.realm = realm
        self.port = _free_udp_tcp_port()
        self.urls = [f"turn:127.0.0.1:{self.port}?transport=udp"]
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / "turnserver.log"

    def write_config(self) -> Path:
        text = (DEPLOY / "coturn" / "turnserver.conf").read_text()
        replacements = {
            "listening-port": str(self.port),
            "static-auth-secret": self.secret,
            "realm": self.realm,
            "min-port": "40000",
            "max-port": "59999",
        }
        for key, value in replacements.items():
            text, n = re.subn(rf"(?m)^{key}=.*$", f"{key}={value}", text)
            assert n == 1, f"deploy/coturn/turnserver.conf: expected one {key}="
        text = re.sub(r"(?m)^syslog$", "", text)
        text += (
            f"\nlog-file={self.log_path}\npidfile={self.workdir / 'turnserver.pid'}\n"
            "no-stdout-log\nsimple-log\n"
        )
        path = self.workdir / "turnserver.conf"
        path.write_text(text)
        return path

    def start(self, timeout: float = 20) -> None:
        config = self.write_config()
        try:
            self.proc = subprocess.Popen(
                ["turnserver", "-c", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> None:
        """Until a STUN binding request on UDP gets its success response."""
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.settimeout(0.3)
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise RuntimeError(f"turnserver exited with {self.proc.returncode}")
                txid = secrets.token_bytes(12)
                udp.sendto(
                    struct.pack("!HHI", 0x0001, 0, 0x2112A442) + txid, ("127.0.0.1", self.port)
                )
                with contextlib.suppress(OSError):
                    data = udp.recv(2048)
                    if data[:2] == b"\x01\x01" and data[8:20] == txid:
                        return
                time.sleep(0.1)
        raise RuntimeError(f"turnserver did not answer STUN on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        _stop(self.proc)


@pytest.fixture(scope="session")
def janus_server():
    missing = _missing({"janus": "janus", "ip": "iproute2"}, root=True)
    if missing:
        skip_or_fail("Janus tests need " + ", ".join(missing))
    workdir = Path(tempfile.mkdtemp(prefix="hearth-janus-"))
    server = JanusServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def coturn_server():
    missing = _missing({"turnserver": "coturn"})
    if missing:
        skip_or_fail("TURN tests need " + ", ".join(missing))
    workdir = Path(tempfile.mkdtemp(prefix="hearth-coturn-"))
    server = CoturnServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
