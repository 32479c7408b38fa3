"""`hemsrig run` as CI meets it: exit codes 0/1/2, JUnit that parses and names
the failing step, --jobs, --shard, --filter, kept traces, and the bundled
library (every file valid against the editors' schema, every scenario passing)."""
import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEMSRIG = os.environ.get("HEMSRIG", str(ROOT / "build" / "rig" / "hemsrig"))
SCENARIOS = ROOT / "scenarios"
DEMO = SCENARIOS / "worlds" / "demo-house.yaml"


def run(*args, timeout=300, env=None):
    e = dict(os.environ)
    e.pop("CI", None)
    e.update(env or {})
    return subprocess.run([HEMSRIG, "run", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=e)


def scenario_files():
    return sorted(p for p in SCENARIOS.rglob("*.yaml")
                  if "worlds" not in p.parts and "fragments" not in p.parts)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PASSING = """name: small-pass
world: {{include: {demo}}}
steps:
  - wait_until: {{unit: {{unit: hems, up: true, appliances: 8}}, timeout: 10m}}
  - expect: {{firmware: {{unit: hems, state: idle}}}}
"""

FAILING = """name: small-fail
world: {{include: {demo}}}
steps:
  - wait_until: {{unit: {{unit: hems, up: true, appliances: 8}}, timeout: 10m}}
  - expect: {{appliance: {{id: downlight, properties: {{operationStatus: on}}}}}}
  - wait: 1m
"""


def test_bundled_library_passes_with_junit_and_json(tmp_path):
    junit, js = tmp_path / "junit.xml", tmp_path / "report.json"
    r = run(SCENARIOS, "--junit", junit, "--json", js, "--jobs", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(scenario_files()) and int(suite.get("failures")) == 0
    assert all(c.find("failure") is None for c in cases)
    report = json.loads(js.read_text())
    assert report["failed"] == 0 and report["passed"] == len(cases)
    # Plain lines when not on a terminal.
    assert r.stdout.count("PASS ") == len(cases)
    assert "\033[" not in r.stdout


def test_every_bundled_file_matches_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    yaml = pytest.importorskip("yaml")
    schema = json.loads((SCENARIOS / "scenario.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(p for p in SCENARIOS.rglob("*.yaml") if "worlds" not in p.parts)
    assert len(files) > 10
    for f in files:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(f.read_text()))]
        assert not errors, f"{f}: {errors}"
    # And the schema does catch a wrong step.
    assert list(validator.iter_errors({"name": "x", "steps": [{"wiat": "1m"}]}))


def test_failing_scenario_exit_1_names_step_and_keeps_trace(tmp_path):
    f = write(tmp_path / "s" / "fail.yaml", FAILING.format(demo=DEMO))
    junit = tmp_path / "junit.xml"
    keep = tmp_path / "kept"
    r = run(f, "--junit", junit, "--keep-failed", keep)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL small-fail" in r.stdout
    assert f"step 2 at {f}:5" in r.stdout
    assert "expected: appliance downlight 0x80=0x30" in r.stdout
    assert "seen:     appliance downlight 0x80=0x31" in r.stdout
    assert "last trace lines:" in r.stdout
    trace, pcap = keep / "small-fail.jsonl", keep / "small-fail.pcap"
    assert f"trace kept: {trace}" in r.stdout
    assert trace.stat().st_size > 0 and pcap.stat().st_size > 24
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case.get("name") == "small-fail"
    failure = case.find("failure")
    assert failure is not None and "step 2" in failure.get("message")
    assert f"{f}:5" in failure.get("message")
    assert "step_failed" in case.find("system-out").text


def test_failure_trace_kept_in_tmpdir_without_options(tmp_path):
    f = write(tmp_path / "fail.yaml", FAILING.format(demo=DEMO))
    r = run(f, env={"TMPDIR": str(tmp_path / "tmp")})
    assert r.returncode == 1
    kept = list((tmp_path / "tmp").glob("hemsrig-run-*/small-fail.jsonl"))
    assert len(kept) == 1 and f"trace kept: {kept[0]}" in r.stdout


def test_passing_run_leaves_nothing_behind(tmp_path):
    f = write(tmp_path / "pass.yaml", PASSING.format(demo=DEMO))
    r = run(f, env={"TMPDIR": str(tmp_path / "tmp")})
    assert r.returncode == 0, r.stdout + r.stderr
    assert not list((tmp_path / "tmp").glob("hemsrig-run-*"))


@pytest.mark.parametrize("text,where,what", [
    ("name: x\nsteps: [wait: 1m\n", ":3:1:", "YAML syntax"),
    ("name: x\nworld: {include: DEMO}\nstep: []\n", ":3:1:", "did you mean 'steps'?"),
    ("name: x\nworld: {include: DEMO}\nsteps:\n  - firmware_chek: hems\n", ":4:5:",
     "unknown step 'firmware_chek' (did you mean 'firmware_check'?)"),
    ("name: x\nworld: {include: DEMO}\nsteps:\n  - wait: soon\n", ":4:11:", "expected a duration"),
    ("name: x\nworld: {include: DEMO}\nsteps:\n  - firmware_check: hemz\n", ":4:21:",
     "unknown unit 'hemz' (did you mean 'hems'?)"),
])
def test_bad_file_exit_2_with_file_line_col(tmp_path, text, where, what):
    ok = write(tmp_path / "a-ok.yaml", PASSING.format(demo=DEMO))
    bad = write(tmp_path / "b-bad.yaml", text.replace("DEMO", str(DEMO)))
    junit = tmp_path / "junit.xml"
    r = run(tmp_path, "--junit", junit)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{bad}{where}" in r.stderr and what in r.stderr, r.stderr
    assert "PASS" not in r.stdout and not junit.exists()  # nothing ran
    assert ok.exists()


def test_usage_errors_exit_2(tmp_path):
    assert run(tmp_path / "missing").returncode == 2
    assert run(SCENARIOS, "--shard", "3/2").returncode == 2
    assert run(SCENARIOS, "--filter", "no-such-scenario-anywhere").returncode == 2


def test_jobs_2_gives_the_same_results_and_traces_as_jobs_1(tmp_path):
    reports, traces = [], []
    for jobs in ("1", "2"):
        js, tr = tmp_path / f"r{jobs}.json", tmp_path / f"t{jobs}"
        r = run(SCENARIOS / "server-service", SCENARIOS / "scenes", "--jobs", jobs, "--json", js,
                "--trace", tr)
        assert r.returncode == 0, r.stdout + r.stderr
        reports.append([(s["name"], s["status"], s["steps_passed"], s["sim_seconds"])
                        for s in json.loads(js.read_text())["scenarios"]])
        # The cloud's listening line names the port the OS gave it; every other line must match.
        traces.append({p.name: [l for l in p.read_bytes().splitlines()
                                if b'"kind":"cloud.listening"' not in l]
                       for p in sorted(tr.glob("*.jsonl"))})
    assert reports[0] == reports[1]
    assert len(traces[0]) == len(reports[0]) and traces[0] == traces[1]


def test_shards_partition_the_library():
    def listed(*extra):
        r = run(SCENARIOS, "--list", *extra)
        assert r.returncode == 0, r.stderr
        return [l.split()[0] for l in r.stdout.splitlines() if l.strip()]
    everything = listed()
    shards = [listed("--shard", f"{i}/3") for i in (1, 2, 3)]
    assert sorted(sum(shards, [])) == sorted(everything)
    assert all(shards) and sum(len(s) for s in shards) == len(everything)


def test_filter_selects_by_name_or_path():
    r = run(SCENARIOS, "--filter", "offline-check", "--list")
    assert r.returncode == 0
    assert [l.split()[0] for l in r.stdout.splitlines()] == ["firmware-offline-check"]
    r = run(SCENARIOS, "--filter", "firmware-offline")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 scenario(s): 1 passed, 0 failed" in r.stdout
