"""Event subscriptions: Python callbacks called from the running engine."""

import pytest

from conftest import DEMO_HOUSE

pytestmark = pytest.mark.world(DEMO_HOUSE)


def test_callback_sees_every_appliance_become_ready(world):
    seen = []
    world.on_event(lambda e: seen.append((e.kind, e.name)), source="controller")
    world.advance(minutes=5)
    ready = {name for kind, name in seen if kind == "ready"}
    assert {"リビングエアコン", "エコキュート", "スマートメーター"} <= ready


def test_unit_callback_gets_firmware_events(world):
    unit = world.unit("hems")
    kinds = []
    unit.on_event(lambda e: kinds.append(e.kind), source="firmware")
    unit.firmware.check()
    world.advance(seconds=30)
    assert kinds == ["update_available"]


def test_off_event_stops_the_callback(world):
    calls = []
    sub = world.on_event(calls.append)
    world.advance(minutes=1)
    assert calls
    assert world.off_event(sub)
    n = len(calls)
    world.advance(minutes=5)
    assert len(calls) == n


def test_exception_in_a_callback_surfaces_from_advance_and_the_world_goes_on(world):
    def boom(event):
        raise ValueError(f"callback refused {event.kind}")

    sub = world.on_event(boom)
    with pytest.raises(ValueError, match="callback refused"):
        world.advance(minutes=5)
    stopped_at = world.now
    assert stopped_at < 300  # the run ended at the failing event
    world.off_event(sub)
    world.advance(minutes=5)
    assert world.now == pytest.approx(stopped_at + 300)


def test_exception_in_a_predicate_surfaces_from_run_until(world):
    def pred():
        raise RuntimeError("predicate broke")

    with pytest.raises(RuntimeError, match="predicate broke"):
        world.run_until(pred, timeout=60)
    world.advance(seconds=1)  # still usable


def test_event_fields_of_a_state_change(world):
    changes = []
    world.on_event(lambda e: changes.append(e) if e.kind == "state_changed" else None)
    unit = world.unit("hems")
    world.run_until(lambda: len(unit.appliances()) == 8 and
                    all(a.state for a in unit.appliances()), timeout=600)
    world.appliance("downlight").set(0x80, 0x30)
    key = unit.appliance_key("downlight")
    assert world.run_until(lambda: any(c.appliance == key for c in changes), timeout=600)
    c = next(c for c in changes if c.appliance == key)
    assert (c.unit, c.source, c.epc, c.old, c.new, c.name) == (
        "hems", "controller", 0x80, b"\x31", b"\x30", "ダウンライト")
    assert "state_changed" in repr(c)


def test_the_gil_is_released_while_the_engine_runs(world):
    # A thread counts, giving the GIL up at every step (sleep(0)); the main
    # thread never gives it up by itself (a huge switch interval). So the
    # thread can count only while advance() runs the engine without the GIL.
    import sys
    import threading
    import time

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
        world.advance(hours=1)
        during = counter[0] - before
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(interval)
    assert during > 100
