"""The pytest plugin, as a test author meets it: an inner pytest run on a
test file written here, in a subprocess with the same PYTHONPATH."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import hemsrig

from conftest import DEMO_HOUSE


def run_pytest(tmp_path, source, *args):
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(textwrap.dedent(source))
    env = dict(os.environ)
    # The package this suite imports, by absolute path (the inner run has its own cwd).
    package_root = str(Path(hemsrig.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "pytest", "-p", "hemsrig.pytest_plugin", "-p", "no:cacheprovider",
           "-q", "-rA", str(test_file), *args]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)


def test_world_fixture_from_marker_and_yaml_fixture(tmp_path):
    r = run_pytest(tmp_path, f"""
        import pytest

        @pytest.mark.world({DEMO_HOUSE!r}, seed=9)
        def test_marker(world):
            assert world.name == "demo-house" and world.started

        @pytest.mark.world(yaml="world: tiny\\nappliances:\\n  - id: lamp\\n    name: ランプ\\n    class: general_lighting\\n")
        def test_marker_yaml(world):
            assert world.appliance_ids == ["lamp"]

        @pytest.fixture
        def world_yaml():
            return "world: coded\\nappliances:\\n  - id: lamp\\n    name: ランプ\\n    class: general_lighting\\n"

        def test_built_in_code(world):
            assert world.name == "coded"
    """)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 passed" in r.stdout


def test_failure_report_shows_trace_lines_and_saves_the_trace_beside_junit(tmp_path):
    r = run_pytest(tmp_path, f"""
        import pytest

        KEEP = []

        @pytest.mark.world({DEMO_HOUSE!r})
        def test_fails(world):
            KEEP.append(world)
            world.advance(minutes=3)
            assert world.now < 0, "the clock went forward"

        def test_world_was_stopped_after_the_failure():
            assert KEEP and not KEEP[0].started
    """, "--junitxml", str(tmp_path / "out" / "junit.xml"), "--hemsrig-trace-lines", "7")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed, 1 passed" in r.stdout
    assert "hemsrig trace (demo-house)" in r.stdout
    assert "last 7 trace lines" in r.stdout
    assert '{"t":' in r.stdout or '"kind":' in r.stdout
    saved = list((tmp_path / "out" / "hemsrig-traces").iterdir())
    names = sorted(p.name for p in saved)
    assert any(n.endswith(".trace.jsonl") for n in names), names
    assert any(n.endswith(".pcap") for n in names), names
    trace = next(p for p in saved if p.name.endswith(".trace.jsonl"))
    assert trace.read_text().count("\n") >= 7
    assert str(trace) in r.stdout  # the report names the file


def test_missing_marker_is_a_clear_usage_error(tmp_path):
    r = run_pytest(tmp_path, """
        def test_no_marker(world):
            pass
    """)
    assert r.returncode != 0
    assert "needs @pytest.mark.world" in r.stdout + r.stderr


def test_xdist_workers_get_their_own_address_ranges(tmp_path):
    out = tmp_path / "addresses"
    out.mkdir()
    tests = "\n".join(f"""
        @pytest.mark.world({DEMO_HOUSE!r})
        def test_{i}(world, worker_id):
            (OUT / "{i}").write_text(worker_id + " " + world.appliance("living_ac").address)
            world.advance(minutes=1)
    """ for i in range(6))
    r = run_pytest(tmp_path, f"""
        import pathlib, pytest
        OUT = pathlib.Path({str(out)!r})
    """ + tests, "-n", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = [p.read_text().split() for p in out.iterdir()]
    assert len(rows) == 6
    by_worker = {w: a for w, a in rows}
    assert set(by_worker) == {"gw0", "gw1"}, rows
    assert by_worker["gw0"].startswith("127.30.") and by_worker["gw1"].startswith("127.31.")
