#!/usr/bin/python3
"""A stand-in controller DUT for the rig's unit tests (not the reference DUT).

Binds ADDRESS:3610, counts its boots in STATE/boots, prints a line per thing
it does, optionally announces INF 0xD5 (instance list) to 224.0.23.0 after
--delay seconds, and answers Get 0xD6 with Get_Res. Exits on SIGTERM.
"""
import argparse, os, signal, socket, struct, sys, time

p = argparse.ArgumentParser()
p.add_argument("--address", required=True)
p.add_argument("--state", required=True)
p.add_argument("--delay", type=float, default=0.2)
p.add_argument("--no-announce", action="store_true")
p.add_argument("--lifetime", type=float, default=120.0)  # bounded: it ends by itself
a = p.parse_args()

signal.signal(signal.SIGTERM, lambda *_: (print("sigterm", flush=True), sys.exit(0)))
path = os.path.join(a.state, "boots")
boots = int(open(path).read()) + 1 if os.path.exists(path) else 1
open(path, "w").write(str(boots))
print(f"boot {boots} state {a.state} speed {os.environ.get('DUT_SPEED', '?')}", flush=True)
print("to stderr", file=sys.stderr, flush=True)

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a.address, 3610))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
s.settimeout(0.05)
INSTANCES = bytes([0x01, 0x05, 0xFF, 0x01])  # one instance: controller 0x05FF01


def frame(tid, seoj, deoj, esv, epc, edt):
    return struct.pack(">BBH", 0x10, 0x81, tid) + seoj + deoj + bytes([esv, 1, epc, len(edt)]) + edt


NODE = bytes([0x0E, 0xF0, 0x01])
start = time.monotonic()
announced = a.no_announce
while time.monotonic() - start < a.lifetime:
    if not announced and time.monotonic() - start >= a.delay:
        s.sendto(frame(1, NODE, NODE, 0x73, 0xD5, INSTANCES), ("224.0.23.0", 3610))
        print("announced", flush=True)
        announced = True
    try:
        data, src = s.recvfrom(1500)
    except socket.timeout:
        continue
    if len(data) >= 14 and data[:2] == b"\x10\x81" and data[10] == 0x62 and data[12] == 0xD6:
        tid = struct.unpack(">H", data[2:4])[0]
        s.sendto(frame(tid, NODE, data[4:7], 0x72, 0xD6, INSTANCES), (src[0], 3610))
        print(f"answered get 0xD6 from {src[0]}", flush=True)
print("lifetime over", flush=True)
