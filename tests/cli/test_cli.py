"""The hemsrig command line as a user and a CI script meet it: exit codes,
error lines, the `ready` line of serve, and a served world driven over the wire."""
import os
import re
import signal
import socket
import subprocess

import pytest

from served import HEMSRIG, ROOT, Served, run

DEMO = ROOT / "scenarios" / "worlds" / "demo-house.yaml"
MRA = ROOT.parent / "shared" / "mra"


def test_validate_accepts_every_bundled_world():
    worlds = sorted((ROOT / "scenarios" / "worlds").glob("*.yaml"))
    r = run("validate", *worlds)
    assert r.returncode == 0, r.stderr
    assert "ok" in r.stdout


def test_validate_reports_each_error_as_file_line_col_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("world: w\nappliances:\n  - id: a\n    clas: general_lighting\n  - {id: b, class: lamp}\n")
    r = run("validate", bad)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert f"{bad}:4:5: unknown key 'clas' in an appliance (did you mean 'class'?)" in lines
    assert any(l.startswith(f"{bad}:5:") and "unknown appliance class 'lamp'" in l for l in lines), lines
    assert all(re.match(rf"{re.escape(str(bad))}:\d+:\d+: ", l) for l in lines), lines


def test_validate_of_a_missing_file_and_of_garbage_exits_2(tmp_path):
    assert run("validate", tmp_path / "nope.yaml").returncode == 2
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(b"\x00\xff{[: :\n\t- ]")
    r = run("validate", garbage)
    assert r.returncode == 2
    assert str(garbage) in r.stderr


def test_every_subcommand_has_help():
    for sub in ("serve", "validate", "discover", "classes"):
        r = run(sub, "--help")
        assert r.returncode == 0, sub
        assert "Usage" in r.stdout


def test_unknown_subcommand_is_bad_input():
    assert run("frobnicate").returncode == 2


def test_serve_prints_every_endpoint_then_ready_and_stops_on_sigterm():
    with Served(DEMO, "--base-address", "127.73.1.0") as s:
        assert len(s.nodes()) == 9  # 8 appliances and the AiSEG2's controller node
        assert any(l.startswith("aiseg2-web hems http://127.0.0.1:") for l in s.lines)
        assert any(l.startswith("cloud cloud http://127.0.0.1:") for l in s.lines)
        assert all(n.startswith("127.73.1.") and n.endswith(":3610") for n in s.nodes())
        assert any(l.startswith("echonet-multicast ") for l in s.lines)
        assert s.stop(signal.SIGTERM) == 0
        assert "stopped" in s.after_ready()


def test_served_world_answers_a_controller_and_survives_garbage():
    with Served(DEMO, "--base-address", "127.73.2.0") as s:
        # Garbage to every node first: the nodes must go on answering.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as g:
            for node in s.nodes():
                host = node.split(":")[0]
                for junk in (b"", b"\x10", b"\x10\x81\x00\x01\x05\xff\x01\x01\x30\x01\x62\x05\x80", os.urandom(300)):
                    g.sendto(junk, (host, 3610))
        r = run("discover", "--bind", "127.73.2.200", "--wait", "1s", "--json")
        assert r.returncode == 0, r.stderr
        import json
        found = json.loads(r.stdout)
        assert sorted(n["address"] for n in found) == sorted(n.split(":")[0] for n in s.nodes())
        for n in found:
            for o in n["objects"]:
                assert "error" not in o, o
                assert o["properties"], o
                assert "(unreadable)" not in o["properties"].values(), o


def test_serve_refuses_an_address_another_socket_holds():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.73.3.1", 3610))
        r = subprocess.run([HEMSRIG, "serve", DEMO, "--base-address", "127.73.3.0", "--for", "1s"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1
        assert "127.73.3.1:3610" in r.stderr


def test_serve_of_a_broken_world_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("world: w\nappliances: 7\n")
    r = run("serve", bad, "--for", "1s")
    assert r.returncode == 2
    assert f"{bad}:2:" in r.stderr


@pytest.mark.skipif(not MRA.is_dir(), reason=f"the ECHONET MRA was not found at {MRA}")
def test_mra_folder_makes_any_class_servable(tmp_path):
    # An air cleaner (0x0135) has no bundled profile: the MRA brings it.
    world = tmp_path / "w.yaml"
    world.write_text("world: mra\nappliances:\n  - {id: cleaner, class: airCleaner}\n")
    assert run("validate", world).returncode == 2
    assert run("validate", world, "--mra", MRA).returncode == 0
    classes = run("classes", "--mra", MRA)
    assert classes.returncode == 0
    assert len([l for l in classes.stdout.splitlines() if l.startswith("0x")]) >= 57
    with Served(world, "--mra", MRA, "--base-address", "127.73.4.0"):
        r = run("discover", "--bind", "127.73.4.200", "--wait", "1s", "--json")
        assert r.returncode == 0, r.stderr
        import json
        objs = [o for n in json.loads(r.stdout) for o in n["objects"] if o["eoj"] == "0x013501"]
        assert objs and objs[0]["properties"]["0x80"] in ("30", "31")


def test_serve_keeps_the_units_history_in_the_state_folder(tmp_path):
    with Served(DEMO, "--base-address", "127.73.5.0", "--state", tmp_path) as s:
        assert (tmp_path / "hems-history.sqlite").exists()
        assert s.stop() == 0
    r = run("serve", DEMO, "--state", tmp_path / "missing", "--for", "1s")
    assert r.returncode == 2
