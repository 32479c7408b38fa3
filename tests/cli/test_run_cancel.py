"""A cancelled `hemsrig run` (Ctrl-C in a terminal, a CI job cancelled)
releases everything it held: the DUT's process and its whole process group
are gone, the reports are written with the scenario under way as interrupted
(JUnit <error>) and the ones never started as skipped, and the exit code is
128 + the signal (130 for SIGINT, 143 for SIGTERM). DUT programs of a few
lines stand in for a real firmware; each writes its pid and its child's pid
into the scenario's folder, so the test knows whom to look for."""
import json
import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEMSRIG = os.environ.get("HEMSRIG", str(ROOT / "build" / "rig" / "hemsrig"))

# Starts a child (so the process group matters), writes both pids, sleeps.
# `trap '' TERM` in the stubborn variant: only SIGKILL to the group ends it.
SLEEPER = """#!/bin/sh
{trap}
sleep 600 &
echo "$! " > "$1/child.pid.tmp" && mv "$1/child.pid.tmp" "$1/child.pid"
echo "$$" > "$1/dut.pid.tmp" && mv "$1/dut.pid.tmp" "$1/dut.pid"
echo "sleeping as $$"
wait $!
"""

# Real time (a DUT) at speed 60: the hour's wait would take a minute of wall time.
CANCELLED = """name: a-cancelled
speed: 60
dut:
  id: sleeper
  role: app
  command: [/bin/sh, "{{scenario_dir}}/sleeper.sh", "{{scenario_dir}}"]
  stop_timeout: 1m
world:
  appliances:
    - {{id: light, class: general_lighting}}
steps:
  - wait_until: {{dut: {{id: sleeper, output: "^sleeping as"}}, timeout: 10m}}
  - wait: 1h
"""

NEVER_STARTED = """name: b-never-started
world:
  appliances:
    - {id: light, class: general_lighting}
steps:
  - wait: 1m
"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def gone(pid):
    """The process no longer exists (a zombie not yet reaped by init counts as gone once init
    reaps it: wait for that, bounded)."""
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            return True
        if state != "Z":
            return False  # alive and running: no point in waiting
        time.sleep(0.05)
    return False


def group_members(pgid):
    """Every process still in the process group `pgid`."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def children_of(pid):
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            members.append(int(stat.parent.name))
    return members


def wait_for_file(path, proc, bound=60.0):
    """Polls for `path` (bounded); fails early with hemsrig's output if it exited."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if path.exists():
            return int(path.read_text().strip())
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"hemsrig exited {proc.returncode} before the DUT started:\n{out}\n{err}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"the DUT never wrote {path}")


@pytest.mark.parametrize("sig,code,stubborn", [
    (signal.SIGINT, 130, False),
    (signal.SIGTERM, 143, False),
    (signal.SIGINT, 130, True),
], ids=["sigint", "sigterm", "sigint-dut-ignores-sigterm"])
def test_cancelled_run_stops_its_dut_writes_reports_and_exits_128_plus_signal(
        tmp_path, sig, code, stubborn):
    scenarios = tmp_path / "scenarios"
    write(scenarios / "sleeper.sh", SLEEPER.format(trap="trap '' TERM" if stubborn else ""))
    # stop_timeout is scenario time (a minute at speed 60: one second of wall time).
    write(scenarios / "a-cancelled.yaml", CANCELLED.format())
    write(scenarios / "b-never-started.yaml", NEVER_STARTED)
    junit, report, kept = tmp_path / "junit.xml", tmp_path / "report.json", tmp_path / "kept"
    env = dict(os.environ)
    env.pop("CI", None)
    proc = subprocess.Popen(
        [HEMSRIG, "run", str(scenarios), "--junit", str(junit), "--json", str(report),
         "--keep-failed", str(kept)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        dut = wait_for_file(scenarios / "dut.pid", proc)
        child = wait_for_file(scenarios / "child.pid", proc)
        assert group_members(dut), "the DUT runs in a process group of its own"
        assert dut in children_of(proc.pid)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()

    assert proc.returncode == code, out + err
    # Everything the DUT started is gone: the shell, its child, the whole group.
    assert gone(dut) and gone(child)
    assert group_members(dut) == []
    assert signal.Signals(sig).name in err

    # The reports: the scenario under way is an error, the next one was never started.
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("errors"), suite.get("skipped"),
            suite.get("failures")) == ("2", "1", "1", "0")
    a, b = suite.findall("testcase")
    error = a.find("error")
    assert a.get("name") == "a-cancelled" and error is not None
    assert error.get("type") == "interrupted"
    assert f"interrupted by {signal.Signals(sig).name} at step 2" in error.get("message")
    assert "run_interrupted" in a.find("system-out").text
    assert b.get("name") == "b-never-started" and b.find("skipped") is not None
    doc = json.loads(report.read_text())
    assert [s["status"] for s in doc["scenarios"]] == ["interrupted", "not_run"]
    assert (doc["passed"], doc["failed"], doc["interrupted"], doc["not_run"]) == (0, 0, 1, 1)
    # The interrupted scenario's trace is kept, with the DUT's life in it.
    trace = (kept / "a-cancelled.jsonl").read_text()
    assert '"dut.start"' in trace and '"run_interrupted"' in trace
    assert "INTERRUPTED a-cancelled" in out
    assert "1 interrupted, 1 not run" in out


def test_a_run_that_is_not_cancelled_still_exits_0(tmp_path):
    """The signal watch changes nothing for a run left alone."""
    f = write(tmp_path / "b.yaml", NEVER_STARTED)
    r = subprocess.run([HEMSRIG, "run", str(f)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed, 0 failed" in r.stdout
