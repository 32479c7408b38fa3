"""`hemsrig serve` of a world on the network-namespace fabric (`fabric: {kind: netns}`): each
node a host of its own. Root only: without it the test is skipped with the reason, and a world
that asks for it gets a clear error instead (tested everywhere with HEMSRIG_NETNS=off)."""
import os
import subprocess

import pytest

from served import HEMSRIG

WORLD = """world: netns-house
fabric: {kind: netns}
appliances:
  - {id: ac, class: home_air_conditioner}
  - {id: lamp, class: general_lighting}
"""


def namespaces():
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10)
    return {line.split()[0] for line in r.stdout.splitlines() if line.strip()}


def netns_skip_reason():
    if os.environ.get("HEMSRIG_NETNS") == "off":
        return "network namespaces switched off (HEMSRIG_NETNS=off)"
    if os.geteuid() != 0:
        return "the netns fabric needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)"
    return None


def test_serve_runs_a_netns_world_and_leaves_no_namespace(tmp_path):
    reason = netns_skip_reason()
    if reason:
        pytest.skip(reason)
    world = tmp_path / "netns.yaml"
    world.write_text(WORLD)
    before = namespaces()
    r = subprocess.run([HEMSRIG, "serve", world, "--for", "2s"], capture_output=True, text=True,
                       timeout=60)
    if r.returncode == 1 and "cannot create" in r.stderr:
        pytest.skip(r.stderr.strip())  # root, but no namespaces here (a container, no bridge)
    assert r.returncode == 0, r.stderr
    nodes = [l.split()[2] for l in r.stdout.splitlines() if l.startswith("echonet-node ")]
    assert sorted(nodes) == ["192.168.0.1:3610", "192.168.0.2:3610"], r.stdout
    assert any(l.startswith("echonet-multicast ") and " netns bridge hemsrig-" in l
               for l in r.stdout.splitlines()), r.stdout
    assert "stopped" in r.stdout
    assert not {n for n in namespaces() - before if n.startswith("hemsrig-")}


def test_serve_of_a_netns_world_where_namespaces_are_off_says_why(tmp_path):
    world = tmp_path / "netns.yaml"
    world.write_text(WORLD)
    r = subprocess.run([HEMSRIG, "serve", world, "--for", "1s"], capture_output=True, text=True,
                       timeout=60, env={**os.environ, "HEMSRIG_NETNS": "off"})
    assert r.returncode == 1
    assert "HEMSRIG_NETNS=off" in r.stderr
