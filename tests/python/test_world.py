"""World: loading, time control, lookups and the errors they raise."""

import datetime
import re

import pytest

import hemsrig
from conftest import DEMO_HOUSE


@pytest.mark.world(DEMO_HOUSE)
def test_demo_house_loads_with_its_appliances_and_unit(world):
    assert world.name == "demo-house"
    assert world.started
    assert "living_ac" in world.appliance_ids and len(world.appliance_ids) == 8
    assert world.unit_ids == ["hems"]
    assert world.cloud_url.startswith("http://127.0.0.1:")


@pytest.mark.world(DEMO_HOUSE)
def test_advance_moves_simulated_time_by_exactly_that_much(world):
    t0 = world.now
    assert world.advance(minutes=31) == pytest.approx(t0 + 31 * 60)
    world.advance(hours=1, seconds=5)
    assert world.now == pytest.approx(t0 + 31 * 60 + 3605)
    assert hemsrig.elapsed(world) == datetime.timedelta(seconds=world.now)


@pytest.mark.world(DEMO_HOUSE)
def test_clock_is_the_world_files_start_in_jst(world):
    # demo-house starts 2026-06-01T09:00:00+09:00
    assert hemsrig.clock(world) == datetime.datetime(2026, 6, 1, 9, 0, tzinfo=hemsrig.JST)
    world.advance(hours=2)
    assert hemsrig.clock(world).hour == 11


@pytest.mark.world(DEMO_HOUSE)
def test_run_until_stops_when_the_predicate_holds(world):
    start = world.now
    assert world.run_until(lambda: world.now >= start + 90, timeout=600)
    # Checked after every handler: it stops at the first event at or after 90 s, well before 600 s.
    assert start + 90 <= world.now < start + 600


@pytest.mark.world(DEMO_HOUSE)
def test_run_until_returns_false_after_the_timeout(world):
    start = world.now
    assert world.run_until(lambda: False, timeout=datetime.timedelta(minutes=10)) is False
    assert world.now == pytest.approx(start + 600)


@pytest.mark.world(DEMO_HOUSE)
def test_unknown_appliance_is_notfound_with_a_suggestion(world):
    with pytest.raises(hemsrig.NotFound, match="did you mean 'living_ac'") as e:
        world.appliance("living_acc")
    assert isinstance(e.value, KeyError)
    with pytest.raises(hemsrig.NotFound, match="no unit 'nope'"):
        world.unit("nope")


def test_bad_world_file_raises_worldfileerror_with_file_line_col(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("world: bad\nappliances:\n  - id: x\n    class: no_such_class\n")
    with pytest.raises(hemsrig.WorldFileError) as e:
        hemsrig.World.load(str(bad))
    d = e.value.diagnostics[0]
    assert d.file == str(bad) and d.line == 4 and d.column > 0
    assert "no_such_class" in str(e.value)
    assert e.value.file == str(bad) and e.value.line == 4


def test_missing_world_file_is_a_worldfileerror(tmp_path):
    with pytest.raises(hemsrig.WorldFileError, match="no such file"):
        hemsrig.World.load(str(tmp_path / "missing.yaml"))


def test_world_from_yaml_and_context_manager_stop_it():
    yaml = """
world: one-light
appliances:
  - id: lamp
    name: ダウンライト
    class: general_lighting
"""
    with hemsrig.World.from_yaml(yaml, seed=3) as w:
        assert w.started and w.appliance_ids == ["lamp"]
        w.advance(seconds=10)
    assert not w.started


def test_same_seed_gives_the_same_trace(tmp_path):
    traces = []
    for i in range(2):
        path = tmp_path / f"t{i}.jsonl"
        with hemsrig.World.load(DEMO_HOUSE, seed=5, trace=str(path)) as w:
            w.advance(minutes=20)
        del w
        # The cloud and the unit's pages listen on free ports, which differ per run.
        traces.append(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", path.read_text()))
    assert traces[0] and traces[0] == traces[1]


@pytest.mark.world(DEMO_HOUSE)
def test_trace_tail_shows_the_last_jsonl_lines(world):
    world.advance(minutes=2)
    lines = world.trace_tail(5)
    assert 0 < len(lines) <= 5
    assert all(line.startswith("{") for line in lines)


def test_world_factory_builds_independent_worlds(world_factory):
    a = world_factory(DEMO_HOUSE, seed=1)
    b = world_factory(DEMO_HOUSE, seed=2)
    start_b = b.now
    a.advance(minutes=10)
    assert b.now == start_b  # two worlds share nothing, not even the clock
    a.appliance("living_ac").set(0xB3, 22)
    assert b.appliance("living_ac").get(0xB3) == bytes([26])
