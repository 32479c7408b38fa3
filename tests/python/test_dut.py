"""hemsrig.Dut: a device under test in a world driven from Python, in real
time: up from the wire (its INF 0xD5), its output captured, a power cycle
that kills it and starts it again (boots 2, the same state folder), errors
for ids and options that cannot work, and a world's teardown that leaves no
process behind. The DUT is the stand-in controller of tests/unit/dut_fixtures
(echonet_dut.py: binds its address, counts boots in its state folder,
announces 0xD5). Assertions are on scenario time and state, never on wall time."""

import gc
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

import hemsrig
from conftest import REPO
from hemsrig.pytest_plugin import worker_base_address

FIXTURES = REPO / "tests" / "unit" / "dut_fixtures"

# 127.68.0.0/16: no other test's range (pytest -n gives each worker its own instead).
WORLD = f"""world: dut-in-python
fabric: {{base_address: 127.68.0.0}}
appliances:
  - {{id: light, class: general_lighting}}
bench: {{}}
dut:
  id: fw
  command: [/usr/bin/python3, "{FIXTURES}/echonet_dut.py", --address, "{{address}}",
            --state, "{{state_dir}}", --delay, "0.2"]
  env: {{DUT_SPEED: "{{speed}}"}}
  stop_timeout: 20s
"""

SPEED = 10  # scenario time runs 10 times faster than the wall clock


def own_world(**options):
    """A world outside the plugin's fixtures, at the xdist worker's own range (as they do)."""
    base = worker_base_address(os.environ.get("PYTEST_XDIST_WORKER", ""))
    if base is not None:
        options.setdefault("base_address", base)
    return hemsrig.World.from_yaml(WORLD, speed=SPEED, **options)


def gone(pid):
    """True once `pid` no longer exists (bounded wait for init to reap a zombie)."""
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                return False
        except (FileNotFoundError, IndexError):
            return True
        time.sleep(0.05)
    return False


def group_members(pgid):
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


@pytest.fixture
def dut_world(world_factory):
    w = world_factory(yaml=WORLD, speed=SPEED)
    fw = w.dut("fw")
    assert w.run_until(lambda: fw.up, timeout=300), fw.output
    return w


def test_a_world_with_a_dut_runs_in_real_time_and_the_dut_comes_up(dut_world):
    w = dut_world
    assert (w.realtime, w.speed, w.dut_ids) == (True, SPEED, ["fw"])
    fw = w.dut("fw")
    assert (fw.id, fw.role, fw.adapter) == ("fw", "controller", "process")
    assert (fw.up, fw.boots, fw.powered, fw.running) == (True, 1, True, True)
    assert fw.address.startswith("127.") and fw.address != "0.0.0.0"
    os.kill(fw.pid, 0)  # alive
    assert group_members(fw.pid) == [fw.pid]  # its own process group
    assert f"--address {fw.address}" in fw.command_line
    assert "<Dut fw controller up boots=1 pid=" in repr(fw)


def test_its_output_is_captured_line_by_line(dut_world):
    fw = dut_world.dut("fw")
    # stdout and stderr, each line once, in order; {speed} reached it through its environment.
    assert fw.output[0] == f"boot 1 state {fw.state_dir} speed {SPEED}"
    assert "to stderr" in fw.output
    dut_world.run_until(lambda: "announced" in fw.output, timeout=60)
    assert "announced" in fw.output and fw.output_total == len(fw.output)
    assert any('"dut.output"' in line for line in dut_world.trace_tail(200))


def test_a_power_cycle_kills_it_and_it_boots_again_with_the_same_state(dut_world):
    w = dut_world
    fw = w.dut("fw")
    first = fw.pid
    started = w.now
    fw.power_cycle(off_for=5)
    assert w.now - started >= 5  # the world ran while it was off
    assert gone(first) and fw.pid != first
    assert w.run_until(lambda: fw.up and fw.boots == 2, timeout=300), fw.output
    assert f"boot 2 state {fw.state_dir} speed {SPEED}" in fw.output
    kinds = "".join(w.trace_tail(400))
    assert '"dut.power_cut"' in kinds and '"dut.down"' in kinds


def test_power_off_is_a_cut_and_power_on_starts_it_again(dut_world):
    w = dut_world
    fw = w.dut("fw")
    pid = fw.pid
    fw.power_off()
    assert (fw.up, fw.powered, fw.running, fw.pid) == (False, False, False, None)
    assert gone(pid) and group_members(pid) == []
    fw.power_on()
    assert fw.pid is not None and fw.pid != pid
    assert w.run_until(lambda: fw.up, timeout=300)
    assert fw.boots == 2


def test_the_gil_is_released_while_a_real_time_world_runs(dut_world):
    # As test_callbacks: a thread can count only while advance() waits without the GIL.
    counter = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    t = threading.Thread(target=count)
    try:
        t.start()
        before = counter[0]
        dut_world.advance(seconds=5)
        during = counter[0] - before
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(interval)
    assert during > 100


def test_ctrl_c_ends_a_real_time_advance_at_once_and_the_world_still_stops(dut_world):
    # SIGINT to ourselves while advance() waits in C++: Python's handler runs from the engine
    # (every 100 ms of wall time), so KeyboardInterrupt comes out of advance() long before the
    # 600 s of scenario time (60 s of wall time at speed 10) are over.
    w = dut_world
    pid = w.dut("fw").pid
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    started = w.now
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            w.advance(seconds=600)
    finally:
        timer.cancel()
    assert w.now - started < 600
    w.stop()
    assert gone(pid) and group_members(pid) == []


def test_stopping_the_world_ends_the_dut_and_its_process_group():
    w = own_world()
    w.start()
    fw = w.dut("fw")
    assert w.run_until(lambda: fw.up, timeout=300), fw.output
    pid = fw.pid
    w.stop()  # SIGTERM (echonet_dut.py exits on it), SIGKILL after stop_timeout
    assert gone(pid) and group_members(pid) == []
    # It was asked (SIGTERM: echonet_dut.py exits 0 on it), not killed.
    assert any('"dut.exit"' in line and "exited with 0" in line for line in w.trace_tail(50))
    assert fw.pid is None and not fw.running


def test_a_world_dropped_without_stop_leaves_no_process():
    w = own_world()
    w.start()
    fw = w.dut("fw")
    assert w.run_until(lambda: fw.running, timeout=300)
    pid, state = fw.pid, fw.state_dir
    del fw, w
    gc.collect()
    assert gone(pid) and group_members(pid) == []
    assert not os.path.exists(state)  # its temporary state folder went with it


def test_a_scenario_file_with_a_dut_loads_with_its_speed(tmp_path):
    scenario = tmp_path / "dut.yaml"
    scenario.write_text(f"""name: dut-scenario
speed: 30
dut:
  id: fw
  command: [/usr/bin/python3, "{FIXTURES}/echonet_dut.py", --address, "{{address}}",
            --state, "{{state_dir}}"]
world:
  fabric: {{base_address: 127.68.0.0}}
  appliances:
    - {{id: light, class: general_lighting}}
steps:
  - wait_until: {{dut: fw, timeout: 1m}}
""")
    w = hemsrig.World.load(str(scenario))
    assert (w.realtime, w.speed, w.dut_ids) == (True, 30, ["fw"])
    assert hemsrig.World.load(str(scenario), speed=2).speed == 2


def test_unknown_ids_and_impossible_options_are_clear_errors():
    w = hemsrig.World.from_yaml(WORLD, speed=SPEED)
    with pytest.raises(hemsrig.NotFound, match="no DUT 'fx'.*did you mean 'fw'"):
        w.dut("fx")
    with pytest.raises(hemsrig.HemsrigError, match="start the world first") as e:
        w.dut("fw").power_on()
    assert e.value.code == "not_started"
    with pytest.raises(hemsrig.HemsrigError) as e:
        hemsrig.World.from_yaml(WORLD, realtime=False)
    assert e.value.code == "dut_needs_realtime" and "'fw'" in e.value.message
    with pytest.raises(hemsrig.HemsrigError) as e:
        hemsrig.World.from_yaml(WORLD, speed=0)
    assert e.value.code == "invalid_speed"
    no_dut = "world: plain\nappliances:\n  - {id: light, class: general_lighting}\n"
    with pytest.raises(hemsrig.HemsrigError) as e:
        hemsrig.World.from_yaml(no_dut, speed=60)
    assert e.value.code == "invalid_speed" and "real time" in e.value.message
    assert hemsrig.World.from_yaml(no_dut).dut_ids == []
    assert not hemsrig.World.from_yaml(no_dut).realtime
