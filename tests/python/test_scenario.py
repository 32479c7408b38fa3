"""Scenario files from Python: their world loads as a World, and
run_scenario runs them as `hemsrig run` does (docs/scenarios.md)."""

import pytest

import hemsrig
from conftest import REPO

SCENARIO = """
name: py-firmware
world:
  include: {demo}
steps:
  - wait: 5m
  - service_open: hems
  - {last}: hems
"""


def scenario(tmp_path, last="firmware_check"):
    path = tmp_path / "latest.yaml"
    demo = REPO / "scenarios" / "worlds" / "demo-house.yaml"
    path.write_text(SCENARIO.format(demo=demo, last=last), encoding="utf-8")
    return str(path)


def test_scenario_file_loads_its_world(tmp_path):
    with hemsrig.World.load(scenario(tmp_path)) as w:
        assert w.unit("hems").model == "MKN704"
        w.advance(minutes=1)


def test_run_scenario_passes(tmp_path):
    r = hemsrig.run_scenario(scenario(tmp_path))
    assert r["passed"], r["summary"]
    assert r["steps_passed"] == r["steps_total"] == 3


def test_failing_scenario_reports_the_step_and_trace(tmp_path):
    # DOMAIN R11: install before a check found an update is refused, and the step fails.
    r = hemsrig.run_scenario(scenario(tmp_path, last="firmware_install"), trace_dir=str(tmp_path))
    assert not r["passed"]
    assert r["failed_step"] == 3 and r["step_kind"] == "firmware_install", r["summary"]
    assert r["trace_tail"] and r["trace_path"]


def test_bad_scenario_file_is_a_worldfileerror(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nworld: {include: nowhere.yaml}\nsteps:\n  - fly: true\n")
    with pytest.raises(hemsrig.WorldFileError) as e:
        hemsrig.run_scenario(str(bad))
    assert e.value.diagnostics and e.value.diagnostics[0].file == str(bad)
