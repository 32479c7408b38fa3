"""Fixtures of the reference-DUT tests: `hemsrig serve` on a world of ours, the DUT processes,
the cloud's public and admin API, and an ECHONET Lite probe of our own.

The binary comes from HEMSRIG_BIN (or HEMSRIG), else build/rig/hemsrig; without it every
test here is skipped with a message. Everything on loopback, in 127.60.0.0/16.
"""
import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "support"))

import echonet_lite as el  # noqa: E402
import served  # noqa: E402
from cloud_client import CloudClient, CloudError  # noqa: E402

HEMSRIG = served.HEMSRIG
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


class Served(served.Served):
    """`hemsrig serve WORLD` until stopped (tests/support/served.py), with the cloud's client."""

    def __init__(self, world, *extra):
        if not os.access(HEMSRIG, os.X_OK):
            pytest.skip(f"no hemsrig binary at {HEMSRIG} (set HEMSRIG_BIN)")
        super().__init__(world, *extra, ready_timeout=30)

    def cloud(self, token=None):
        return CloudClient(self.cloud_url, self.ca_file or None, token=token)


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


@contextlib.contextmanager
def serve_world(world, scheme, tmp_path):
    """Serves the world with its cloud over `scheme` (world_variant), stopped whatever happens."""
    house = Served(world_variant(world, scheme, tmp_path))
    try:
        if scheme == "https":
            assert house.cloud_url.startswith("https://") and house.ca_file, house.lines
        yield house
    finally:
        house.stop()


class Dut(served.Collected):
    """A reference DUT process with its output lines (stdout and stderr) collected."""

    def __init__(self, script, args, env=None):
        super().__init__([PYTHON, HERE / script, *args], merge_stderr=True,
                         env={**os.environ, **(env or {})})
        self.args = self.argv

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
        self.join_readers()
        return self.proc.returncode


def receive(sock, source_address, timeout, wanted=lambda frame: True):
    """The first ECHONET Lite frame on sock from source_address for which wanted(frame) holds,
    within timeout seconds; None when none came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, source = sock.recvfrom(65536)
        except socket.timeout:
            return None
        if source[0] == source_address:
            frame = el.decode(data)
            if wanted(frame):
                return frame
    return None


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
        answer = receive(self.sock, address, timeout, lambda frame: frame.tid == self.tid)
        if answer:
            return answer
        raise AssertionError(f"{address} did not answer {el.ESV_NAMES.get(esv)} within {timeout}s")

    def heard_from_group(self, source_address, timeout=10.0):
        """The next frame multicast by source_address (e.g. its boot INF 0xD5)."""
        frame = receive(self.group, source_address, timeout)
        if frame:
            return frame
        raise AssertionError(f"nothing multicast by {source_address} within {timeout}s")


@pytest.fixture
def probe():
    p = EchonetProbe("127.60.9.9")
    yield p
    p.close()
