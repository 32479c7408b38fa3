"""`hemsrig serve WORLD` for the Python test suites (tests/cli, tests/dut, tests/interop): the
binary they test, a process whose output threads collect the whole time, and `Served`, which
starts serve, waits (bounded) for its `ready` line, parses the endpoint lines printed before it
and stops it with SIGTERM, then SIGKILL. A start that fails always ends the process."""
import os
import signal
import subprocess
import threading
from collections import namedtuple
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_HOUSE = ROOT / "scenarios" / "worlds" / "demo-house.yaml"


def hemsrig_binary():
    """The binary under test: HEMSRIG_BIN or HEMSRIG (as CTest sets them), else the default
    build's build/rig/hemsrig."""
    return (os.environ.get("HEMSRIG_BIN") or os.environ.get("HEMSRIG")
            or str(ROOT / "build" / "rig" / "hemsrig"))


HEMSRIG = hemsrig_binary()


def run(*args, timeout=60):
    """One hemsrig command to its end, output captured as text."""
    return subprocess.run([HEMSRIG, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


class Collected:
    """A process whose stdout (and stderr, kept apart or merged into stdout) threads read line
    by line from the start, so it never blocks on a full pipe; stopped whatever happens."""

    def __init__(self, argv, merge_stderr=False, env=None):
        self.argv = [str(a) for a in argv]
        self.lines = []   # stdout, one entry a line, without the newline
        self.errors = []  # stderr when kept apart
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace", env=env)
        self.readers = [threading.Thread(target=self._collect, args=(self.proc.stdout, self.lines),
                                         daemon=True)]
        if not merge_stderr:
            self.readers.append(threading.Thread(target=self._collect,
                                                 args=(self.proc.stderr, self.errors), daemon=True))
        for reader in self.readers:
            reader.start()

    def _collect(self, stream, into):
        for line in stream:
            into.append(line.rstrip("\n"))
            self._heard(line, stdout=into is self.lines)

    def _heard(self, line, stdout):
        """Called by a reader thread after each line it collected."""

    def join_readers(self, timeout=5.0):
        """Waits (bounded) until the readers have read the output to its end."""
        for reader in self.readers:
            reader.join(timeout=timeout)

    def stop(self, sig=signal.SIGTERM, grace=10.0):
        """Sends sig, SIGKILL after `grace` seconds still running; the exit code (-N: signal N)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.join_readers()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


Endpoint = namedtuple("Endpoint", "kind ident address detail")


def parse_endpoint(line):
    """`KIND IDENT ADDRESS [DETAIL...]`, as serve prints each endpoint; None for other lines."""
    parts = line.split(maxsplit=3)
    if len(parts) < 3:
        return None
    return Endpoint(parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else "")


class ServeFailed(AssertionError):
    """serve exited or stayed silent instead of saying `ready`."""


class Served(Collected):
    """`hemsrig serve ARGS...` in the background from `ready` on, stopped whatever happens."""

    def __init__(self, *args, binary=None, ready_timeout=20.0, env=None):
        self._settled = threading.Event()  # `ready` seen, or stdout ended
        self.ready_at = None                # index of the `ready` line in self.lines
        super().__init__([binary or HEMSRIG, "serve", *args], env=env)
        self._settled.wait(timeout=ready_timeout)
        if self.ready_at is None:
            self.stop(grace=5.0)  # SIGTERM first: a netns serve removes its namespaces
            raise ServeFailed(f"serve never said ready within {ready_timeout}s "
                              f"(exit {self.proc.returncode}): {self.lines} {self.errors}")
        self.endpoints = [e for e in map(parse_endpoint, self.lines[:self.ready_at]) if e]

    def _collect(self, stream, into):
        super()._collect(stream, into)
        if stream is self.proc.stdout:
            self._settled.set()

    def _heard(self, line, stdout):
        if stdout and self.ready_at is None and line.strip() == "ready":
            self.ready_at = len(self.lines) - 1
            self._settled.set()

    def after_ready(self):
        """What serve printed on stdout after `ready` (e.g. `stopped`), one string."""
        return "\n".join(self.lines[self.ready_at + 1:])

    def endpoint(self, kind, ident=None):
        """The address of the one endpoint of this kind (and ident); fails naming the lines."""
        found = [e.address for e in self.endpoints
                 if e.kind == kind and (ident is None or e.ident == ident)]
        assert len(found) == 1, f"not one {kind} {ident or ''} endpoint in {self.lines}"
        return found[0]

    def addresses(self, *kinds):
        """Every address printed for these kinds, in serve's order."""
        return [e.address for e in self.endpoints if e.kind in kinds]

    def nodes(self):
        """Every ECHONET Lite node: the appliances' and the units' controller nodes."""
        return self.addresses("echonet-node", "aiseg2-unit")

    @property
    def cloud_url(self):
        return self.endpoint("cloud")

    @property
    def ca_file(self):
        """The test CA's PEM when the cloud serves HTTPS (the `cloud-ca` endpoint), else ''."""
        found = self.addresses("cloud-ca")
        return found[0] if found else ""
