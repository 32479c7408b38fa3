"""The reference controller DUT (controller.py) against `hemsrig serve` of a house without a
simulated unit: the DUT is the unit. Checked through the cloud's admin API and our own
ECHONET Lite probe, never through what the DUT prints alone.

Run: /usr/bin/python3 -m pytest tests/dut/test_controller.py (HEMSRIG_BIN=path/to/hemsrig).
"""
import hashlib
import os
import socket

import pytest

import echonet_lite as el
from conftest import HERE, Dut, serve_world, wait_for

WORLD = HERE / "worlds" / "controller-house.yaml"
DUT_ADDRESS = "127.60.1.100"
DEVICE_CODE = "99999-50099"
DIGITS = "9999950099"
OLD, NEW = "Ver.2.97I-03", "Ver.2.98A-03"
AC, LIGHT = "127.60.1.1/0x013001", "127.60.1.2/0x029001"


@pytest.fixture(params=["http", "https"])
def house(request, tmp_path):
    with serve_world(WORLD, request.param, tmp_path) as served:
        yield served


def start_controller(house, state_dir, firmware=NEW, speed=3600, extra=()):
    args = ["--address", DUT_ADDRESS, "--cloud", house.cloud_url, "--state", state_dir,
            "--speed", speed, "--device-code", DEVICE_CODE, "--model", "MKN704",
            "--firmware", firmware, *extra]
    if house.ca_file:
        args += ["--ca", house.ca_file]
    return Dut("controller.py", args)


@pytest.fixture
def controller(house, tmp_path):
    dut = start_controller(house, tmp_path / "state")
    yield dut
    dut.stop()


def unit(house):
    return house.cloud().call("GET", f"/v1/units/{DIGITS}")


def appliances_of(house):
    return {a["key"]: a for a in unit(house).get("appliances", [])}


def command(house, body):
    return house.cloud().call("POST", f"/v1/units/{DIGITS}/commands", body, timeout=60)


def test_says_hello_with_its_firmware_and_reports_the_appliances(house, controller):
    doc = wait_for("the cloud knows the unit online with both appliances",
                   lambda: (u := unit(house))["online"] and
                   {AC, LIGHT} <= {a["key"] for a in u["appliances"]} and u)
    assert doc["firmware"] == NEW
    assert doc["model"] == "MKN704"
    ac = {a["key"]: a for a in doc["appliances"]}[AC]
    assert ac["class"] == "0x0130"
    assert ac["online"] is True
    # The world's initial values, read over ECHONET Lite and reported as hex.
    assert ac["state"]["0x80"] == "31"
    assert ac["state"]["0xB3"] == "1A"
    assert controller.said(f"firmware latest {NEW}")


def test_announces_itself_and_answers_discovery_as_a_controller(house, tmp_path, probe):
    dut = start_controller(house, tmp_path / "state")
    try:
        boot = probe.heard_from_group(DUT_ADDRESS)
        assert boot.esv == el.INF and boot.seoj == el.NODE_PROFILE
        assert el.decode_instance_list(boot.prop(0xD5)) == [el.CONTROLLER]
        answer = probe.ask(DUT_ADDRESS, el.NODE_PROFILE, el.GET, [(0xD6, b"")])
        assert answer.esv == el.GET_RES
        assert el.decode_instance_list(answer.prop(0xD6)) == [el.CONTROLLER]
        answer = probe.ask(DUT_ADDRESS, el.CONTROLLER, el.GET,
                           [(0x80, b""), (0x8A, b""), (0x9F, b"")])
        assert answer.esv == el.GET_RES and answer.seoj == el.CONTROLLER
        assert answer.prop(0x80) == b"\x30"
        assert {0x80, 0x8A, 0x9F} <= el.decode_property_map(answer.prop(0x9F))
        # A property it does not have: Get_SNA, and it keeps answering afterwards.
        assert probe.ask(DUT_ADDRESS, el.CONTROLLER, el.GET, [(0xF0, b"")]).esv == el.GET_SNA
        assert probe.ask(DUT_ADDRESS, el.CONTROLLER, el.SETC, [(0x80, b"\x31")]).esv == \
            el.SETC_SNA
        probe.sock.sendto(b"\x10\x81garbage", (DUT_ADDRESS, el.PORT))
        assert probe.ask(DUT_ADDRESS, el.CONTROLLER, el.GET, [(0x80, b"")]).esv == el.GET_RES
    finally:
        dut.stop()


def test_runs_a_set_command_from_the_cloud_on_the_appliance(house, controller, probe):
    wait_for("the unit reported the air conditioner", lambda: AC in appliances_of(house))
    answer = command(house, {"kind": "set", "appliance": AC,
                             "sets": [["0x80", "30"], ["0xB3", "13"]]})
    assert answer["result"]["ok"] is True, answer
    assert answer["result"]["state"] == {"0x80": "30", "0xB3": "13"}
    # The appliance itself says so on the wire.
    got = probe.ask("127.60.1.1", 0x013001, el.GET, [(0x80, b""), (0xB3, b"")])
    assert got.prop(0x80) == b"\x30" and got.prop(0xB3) == bytes([19])
    # And the cloud's view of the unit follows.
    wait_for("the cloud reports 0xB3 = 13",
             lambda: appliances_of(house)[AC]["state"].get("0xB3") == "13")
    assert controller.said("command set ok")


def test_reports_refusals_and_unknown_appliances_as_errors(house, controller):
    wait_for("the unit reported the air conditioner", lambda: AC in appliances_of(house))
    refused = command(house, {"kind": "set", "appliance": AC, "sets": [["0xB3", "FF"]]})
    assert refused["result"]["ok"] is False
    assert refused["result"]["error"] == "refused", refused  # the appliance said SetC_SNA
    unknown = command(house, {"kind": "set", "appliance": "127.60.1.77/0x013001",
                              "sets": [["0x80", "30"]]})
    assert unknown["result"]["ok"] is False
    assert unknown["result"]["error"] == "appliance_unknown"
    query = command(house, {"kind": "query", "appliance": LIGHT})
    assert query["result"]["ok"] is True
    assert query["result"]["state"]["0x80"] == "31"
    # The unit keeps serving after the refusals.
    assert command(house, {"kind": "set", "appliance": LIGHT,
                           "sets": [["0x80", "30"]]})["result"]["ok"] is True


def test_runs_a_voice_scene_on_every_appliance_of_it(house, tmp_path, probe):
    # DOMAIN R70: one scene sets several appliances at once.
    dut = start_controller(house, tmp_path / "state", extra=[
        "--voice-scene", "おやすみ=0x013001:0x80=31",
        "--voice-scene", f"おやすみ={LIGHT}:0x80=30"])
    try:
        wait_for("the cloud lists the voice scene with its two appliances",
                 lambda: unit(house)["voice_scenes"] == [
                     {"name": "おやすみ", "appliances": [AC, LIGHT]}])
        probe.ask("127.60.1.1", 0x013001, el.SETC, [(0x80, b"\x30")])  # the AC is on first
        answer = command(house, {"kind": "run_voice_scene", "scene": "おやすみ"})
        result = answer["result"]
        assert result["ok"] is True, result
        assert [(e["appliance"], e["status"]) for e in result["entries"]] == \
            [(AC, "done"), (LIGHT, "done")]
        assert probe.ask("127.60.1.1", 0x013001, el.GET, [(0x80, b"")]).prop(0x80) == b"\x31"
        assert probe.ask("127.60.1.2", 0x029001, el.GET, [(0x80, b"")]).prop(0x80) == b"\x30"
        unknown = command(house, {"kind": "run_voice_scene", "scene": "ただいま"})
        assert unknown["result"]["error"] == "voice_scene_unknown"
    finally:
        dut.stop()


def test_updates_its_firmware_from_the_catalogue_and_comes_back_with_it(house, tmp_path, probe):
    # DOMAIN R10-R12: check, download, install (30 min of scenario time), reboot.
    state = tmp_path / "state"
    dut = start_controller(house, state, firmware=OLD)
    try:
        dut.wait_said(f"installed {NEW}")
        # The reboot: a new boot INF 0xD5 and a hello with the new firmware.
        dut.wait_said(f"booted {NEW}")
        probe.heard_from_group(DUT_ADDRESS)
        wait_for(f"the cloud knows the unit on {NEW}", lambda: unit(house)["firmware"] == NEW)
        dut.wait_said(f"firmware latest {NEW}")
        assert dut.said(f"booted {OLD}") and dut.said(f"hello ok firmware {OLD}")
        assert not dut.said("checksum")
        assert dut.proc.poll() is None  # restarted itself, still running
    finally:
        dut.stop()
    # The next power-on runs the new version at once.
    again = start_controller(house, state, firmware=OLD)
    try:
        again.wait_said(f"firmware latest {NEW}")
        assert again.said(f"booted {NEW}") and not again.said("download")
    finally:
        again.stop()


def test_resumes_a_partial_download_kept_across_a_power_cut(house, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    cloud = house.cloud()
    entry = cloud.call("GET", "/v1/firmware/MKN704/latest")
    head = cloud.raw("GET", entry["url"], headers={"Range": "bytes=0-9999"})
    assert head.status == 206 and len(head.body) == 10000
    (state / f"image-{NEW}.part").write_bytes(head.body)
    dut = start_controller(house, state, firmware=OLD)
    try:
        dut.wait_said(f"download resumed {NEW} at 10000/{entry['size']}")
        dut.wait_said(f"installed {NEW}")
        assert dut.said("sha256 ok")
    finally:
        dut.stop()
    whole = cloud.raw("GET", entry["url"]).body
    assert hashlib.sha256(whole).hexdigest() == entry["sha256"]


def test_power_cut_during_install_boots_the_old_version_then_retries(house, tmp_path):
    state = tmp_path / "state"
    # An install of 1000 hours at speed 1: the power goes long before it ends.
    dut = start_controller(house, state, firmware=OLD, speed=1,
                           extra=["--install-seconds", "3600000"])
    try:
        dut.wait_said(f"installing {NEW}")
    finally:
        assert dut.stop(sig=9) == -9  # SIGKILL: a power cut
    again = start_controller(house, state, firmware=OLD)
    try:
        again.wait_said(f"install interrupted: {NEW} not installed, running {OLD}")
        again.wait_said(f"hello ok firmware {OLD}")
        again.wait_said(f"installed {NEW}")
        again.wait_said(f"booted {NEW}")
        wait_for(f"the cloud knows the unit on {NEW}", lambda: unit(house)["firmware"] == NEW)
    finally:
        again.stop()


def test_exits_cleanly_on_sigterm(house, controller):
    controller.wait_said("hello ok")
    assert controller.stop() == 0
    assert controller.said("^stopped$")


def test_refuses_bad_arguments_with_a_clear_error(tmp_path):
    dut = Dut("controller.py", ["--address", DUT_ADDRESS, "--cloud", "http://127.0.0.1:9",
                                "--state", tmp_path, "--device-code", "123", "--model", "MKN704",
                                "--firmware", OLD])
    assert dut.wait_exit() == 2
    assert dut.said("--device-code '123' is not 10 digits")
    scene = Dut("controller.py", ["--address", DUT_ADDRESS, "--cloud", "http://127.0.0.1:9",
                                  "--state", tmp_path, "--device-code", DEVICE_CODE,
                                  "--model", "MKN704", "--firmware", OLD,
                                  "--voice-scene", "おやすみ"])
    assert scene.wait_exit() == 2
    assert scene.said("expected LEFT=RIGHT")
    assert os.listdir(tmp_path) == []


def switch_bench_coil(house, coil, on):
    """Modbus TCP write single coil (0x05) to the bench (docs/bench.md): a power cut or a boot."""
    host, port = house.endpoint("modbus-bench").rsplit(":", 1)
    request = bytes([0, 7, 0, 0, 0, 6, 1, 0x05]) + coil.to_bytes(2, "big") + \
        (b"\xFF\x00" if on else b"\x00\x00")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(request)
        answer = s.recv(64)
    assert answer[7] == 0x05 and answer[8:12] == request[8:12], answer.hex()


def test_reports_an_appliance_that_lost_power_offline_and_back_online(house, controller):
    # Coil 1 is the downlight's node (docs/bench.md: appliance nodes in world order).
    wait_for("the unit reported the light online",
             lambda: appliances_of(house).get(LIGHT, {}).get("online") is True)
    switch_bench_coil(house, 1, False)
    wait_for("the cloud shows the light offline",
             lambda: appliances_of(house)[LIGHT]["online"] is False)
    assert appliances_of(house)[AC]["online"] is True
    switch_bench_coil(house, 1, True)  # the node boots and announces 0xD5: the unit asks again
    wait_for("the cloud shows the light online again",
             lambda: appliances_of(house)[LIGHT]["online"] is True)
    assert command(house, {"kind": "query", "appliance": LIGHT})["result"]["ok"] is True
