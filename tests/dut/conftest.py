"""Fixtures of the reference-DUT tests: `hemsrig serve` on a world of ours, the DUT processes,
the cloud's public and admin API, and an ECHONET Lite probe of our own.

The binary comes from HEMSRIG_BIN (or HEMSRIG), else build/rig/hemsrig; without it every
test here is skipped with a message. Everything on loopback, in 127.60.0.0/16.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import echonet_lite as el  # noqa: E402
from cloud_client import CloudClient, CloudError  # noqa: E402

HEMSRIG = os.environ.get("HEMSRIG_BIN") or os.environ.get("HEMSRIG") or \
    str(ROOT / "build" / "rig" / "hemsrig")
PYTHON = "/usr/bin/python3"


def wait_for(what, predicate, timeout=20.0, step=0.05):
    """Polls predicate until it returns something truthy; fails naming what was awaited."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (CloudError, OSError, KeyError, ValueError) as e:
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(step)
    raise AssertionError(f"within {timeout}s: {what}; last seen: {last!r}")


class Served:
    """`hemsrig serve WORLD` until stopped; endpoints parsed from its output."""

    def __init__(self, world, *extra):
        if not os.access(HEMSRIG, os.X_OK):
            pytest.skip(f"no hemsrig binary at {HEMSRIG} (set HEMSRIG_BIN)")
        self.proc = subprocess.Popen([HEMSRIG, "serve", str(world), *map(str, extra)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if line.strip() == "ready":
                threading.Thread(target=self._drain, daemon=True).start()
                return
        self.stop()
        raise AssertionError(f"serve never said ready: {self.lines}")

    def _drain(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def endpoint(self, kind, index=2):
        for line in self.lines:
            parts = line.split()
            if parts and parts[0] == kind:
                return parts[index]
        raise AssertionError(f"serve printed no {kind} endpoint: {self.lines}")

    @property
    def cloud_url(self):
        return self.endpoint("cloud")

    @property
    def ca_file(self):
        """The test CA's PEM when the cloud serves HTTPS (the `cloud-ca` endpoint), else ''."""
        for line in self.lines:
            if line.startswith("cloud-ca "):
                pems = [t for t in line.split() if t.endswith(".pem")]
                return pems[0] if pems else line.split()[2]
        return ""

    def cloud(self, token=None):
        return CloudClient(self.cloud_url, self.ca_file or None, token=token)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def world_variant(world, scheme, tmp_path):
    """The world as written (http), or a copy whose cloud serves HTTPS (`cloud: {tls: true}`,
    docs/worlds.md); skips when this hemsrig does not know `tls` yet."""
    if scheme == "http":
        return world
    if not os.access(HEMSRIG, os.X_OK):
        pytest.skip(f"no hemsrig binary at {HEMSRIG} (set HEMSRIG_BIN)")
    text = Path(world).read_text(encoding="utf-8")
    assert "\ncloud:\n" in text, f"{world} has no cloud section"
    copy = tmp_path / Path(world).name
    copy.write_text(text.replace("\ncloud:\n", "\ncloud:\n  tls: true\n"), encoding="utf-8")
    check = subprocess.run([HEMSRIG, "validate", str(copy)], capture_output=True, text=True)
    if check.returncode != 0 and "unknown key 'tls'" in check.stderr:
        pytest.skip("this hemsrig has no `cloud: {tls: true}` yet")
    assert check.returncode == 0, check.stderr
    return copy


class Dut:
    """A reference DUT process with its output lines collected."""

    def __init__(self, script, args, env=None):
        self.args = [PYTHON, str(HERE / script), *map(str, args)]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env={**os.environ, **(env or {})})
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def said(self, pattern):
        return [l for l in list(self.lines) if re.search(pattern, l)]

    def wait_said(self, pattern, timeout=20.0, count=1):
        return wait_for(f"the DUT prints /{pattern}/ ({count}x); it printed {self.lines}",
                        lambda: len(self.said(pattern)) >= count and self.said(pattern),
                        timeout)

    def wait_exit(self, timeout=30.0):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the DUT did not exit within {timeout}s: {self.lines}")
        self.reader.join(timeout=5)
        return self.proc.returncode

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=5)
        return self.proc.returncode


class EchonetProbe:
    """An ECHONET Lite controller of the test's own at a loopback address: asks nodes directly
    and hears the group (so a test checks the wire, not what a DUT claims)."""

    def __init__(self, address):
        self.address = address
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, el.PORT))
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                             socket.inet_aton("127.0.0.1"))
        self.group = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.group.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.group.bind((el.MULTICAST, el.PORT))
        self.group.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                              socket.inet_aton(el.MULTICAST) + socket.inet_aton("127.0.0.1"))
        self.tid = 0x4000

    def close(self):
        self.sock.close()
        self.group.close()

    def ask(self, address, deoj, esv, props, timeout=2.0, seoj=el.CONTROLLER):
        self.tid += 1
        frame = el.Frame(self.tid, seoj, deoj, esv, props)
        self.sock.sendto(frame.encode(), (address, el.PORT))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, source = self.sock.recvfrom(65536)
            except socket.timeout:
                break
            answer = el.decode(data)
            if source[0] == address and answer.tid == self.tid:
                return answer
        raise AssertionError(f"{address} did not answer {el.ESV_NAMES.get(esv)} within {timeout}s")

    def heard_from_group(self, source_address, timeout=10.0):
        """The next frame multicast by source_address (e.g. its boot INF 0xD5)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.group.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, source = self.group.recvfrom(65536)
            except socket.timeout:
                break
            if source[0] == source_address:
                return el.decode(data)
        raise AssertionError(f"nothing multicast by {source_address} within {timeout}s")


@pytest.fixture
def probe():
    p = EchonetProbe("127.60.9.9")
    yield p
    p.close()
