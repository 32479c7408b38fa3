"""The Modbus bench of `hemsrig serve` (the demo house) driven by third-party Modbus clients:
mbpoll (libmodbus-based CLI) and pymodbus. A coil write really cuts a node: it stops answering
ECHONET Lite, and answers again after power comes back."""
import re
import shutil
import socket
import subprocess

import pytest
from pymodbus.client import ModbusTcpClient

from served import DEMO_HOUSE as DEMO, Served

BASE = "127.78.0.0"          # nodes of this test's serve: 127.78.0.1...
CONTROLLER = "127.78.9.1"    # our ECHONET Lite controller socket (nodes answer to port 3610)
CHANNELS = 9                 # the demo house: hems, then its 8 appliance nodes
DOWNLIGHT = 3                # coil of the downlight's node (docs/bench.md order)


@pytest.fixture(scope="module")
def served():
    s = Served(DEMO, "--base-address", BASE, "--for", "240s")
    yield s
    assert s.stop() == 0


@pytest.fixture()
def bench(served):
    host, port = served.endpoint("modbus-bench", "bench").split(":")
    yield host, int(port)
    # Every test leaves every channel on.
    with ModbusTcpClient(host, port=int(port)) as c:
        c.write_coils(0, [True] * CHANNELS, slave=1)


def mbpoll(port, *options, write=()):
    """mbpoll once against the bench, 0-based addresses (-0); `write` values make it a write."""
    exe = shutil.which("mbpoll")
    assert exe, "mbpoll is missing (apt-get install mbpoll)"
    cmd = [exe, "-m", "tcp", "-p", str(port), "-a", "1", "-0", "-1", *options, "127.0.0.1",
           *map(str, write)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def mbpoll_values(out):
    """The `[ref]: value` lines of mbpoll's output, as {ref: int}."""
    return {int(m.group(1)): int(m.group(2)) for m in re.finditer(r"^\[(\d+)\]:\s+(-?\d+)", out, re.M)}


def echonet_get_operation_status(node):
    """Sends an ECHONET Lite Get of 0x80 to the node's first object; True when it answers."""
    host = node.split(":")[0]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((CONTROLLER, 3610))
        s.settimeout(0.3)
        # EHD 1081, TID, SEOJ controller 05FF01, DEOJ general lighting 029001, Get, 1 EPC 0x80.
        frame = bytes([0x10, 0x81, 0x00, 0x07, 0x05, 0xFF, 0x01, 0x02, 0x90, 0x01, 0x62, 0x01, 0x80, 0x00])
        for _ in range(5):  # bounded: 5 tries, 0.3 s each
            s.sendto(frame, (host, 3610))
            try:
                data, _ = s.recvfrom(1500)
                if len(data) > 10 and data[10] == 0x72:
                    return True
            except socket.timeout:
                pass
        return False


def test_serve_prints_the_bench_and_each_channel(served):
    assert re.fullmatch(r"127\.0\.0\.1:\d+", served.endpoint("modbus-bench", "bench"))
    channels = [l.split() for l in served.lines if l.startswith("modbus-channel ")]
    assert [c[1] for c in channels][:4] == ["hems", "living_ac", "dining_floor_heater", "downlight"]
    assert len(channels) == CHANNELS
    assert " ".join(channels[3][3:]) == "coil 3 input registers 18-23 echonet-node"


def test_mbpoll_reads_every_coil_and_the_units_power(bench):
    _, port = bench
    r = mbpoll(port, "-t", "0", "-r", "0", "-c", str(CHANNELS))
    assert r.returncode == 0, r.stdout + r.stderr
    assert mbpoll_values(r.stdout) == {i: 1 for i in range(CHANNELS)}
    # Channel 0 (the unit): power at registers 0-1 as a 32-bit integer, high word first (-B).
    r = mbpoll(port, "-t", "3:int", "-B", "-r", "0", "-c", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert mbpoll_values(r.stdout) == {0: 5}


def test_mbpoll_coil_write_cuts_a_node_and_restores_it(served, bench):
    _, port = bench
    node = served.endpoint("echonet-node", "downlight")
    assert echonet_get_operation_status(node)
    r = mbpoll(port, "-t", "0", "-r", str(DOWNLIGHT), write=[0])
    assert r.returncode == 0, r.stdout + r.stderr
    assert not echonet_get_operation_status(node), "a cut node answers nothing"
    r = mbpoll(port, "-t", "0", "-r", "0", "-c", str(CHANNELS))
    assert mbpoll_values(r.stdout)[DOWNLIGHT] == 0
    r = mbpoll(port, "-t", "0", "-r", str(DOWNLIGHT), write=[1])
    assert r.returncode == 0, r.stdout + r.stderr
    assert echonet_get_operation_status(node), "power back: it boots and answers again"


def test_mbpoll_gets_illegal_data_address_past_the_channels(bench):
    _, port = bench
    r = mbpoll(port, "-t", "0", "-r", str(CHANNELS), "-c", "1")
    assert "Illegal data address" in r.stdout + r.stderr


def test_pymodbus_reads_and_writes_the_bench(bench):
    host, port = bench
    with ModbusTcpClient(host, port=port) as c:
        assert c.read_holding_registers(0, 4, slave=1).registers == [1, CHANNELS, 6, 1]
        assert c.read_coils(0, CHANNELS, slave=1).bits[:CHANNELS] == [True] * CHANNELS
        regs = c.read_input_registers(0, 6 * CHANNELS, slave=1).registers
        assert len(regs) == 6 * CHANNELS
        assert (regs[0] << 16 | regs[1]) == 5, "the unit draws 5 W"
        assert not c.write_coil(DOWNLIGHT, False, slave=1).isError()
        assert c.read_coils(0, CHANNELS, slave=1).bits[DOWNLIGHT] is False
        power = c.read_input_registers(6 * DOWNLIGHT, 2, slave=1).registers
        assert power == [0, 0], "a cut channel draws nothing"
        bad = c.read_coils(CHANNELS, 1, slave=1)
        assert bad.isError() and bad.exception_code == 2
        bad = c.write_register(0, 9, slave=1)
        assert bad.isError() and bad.exception_code == 1


def test_garbage_closes_one_connection_and_pymodbus_is_still_served(bench):
    host, port = bench
    with ModbusTcpClient(host, port=port) as c:
        assert not c.read_coils(0, 1, slave=1).isError()
        with socket.create_connection((host, port), timeout=5) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
            assert raw.recv(100) == b"", "the bench closes a connection that is not Modbus TCP"
        assert not c.read_coils(0, 1, slave=1).isError()
