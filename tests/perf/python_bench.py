#!/usr/bin/python3
"""Benchmark of the Python bindings (docs/PERFORMANCE.md, "Python bindings").

1. Calls per second of a simple property get through the binding
   (Appliance.get(0x80)), beside a pure-Python call of the same shape in the
   same run (the baseline cancels the machine's noise).
2. The overhead of a Python callback per event: the same world (same seed,
   so the same events) advanced for the same simulated time without and with
   no-op subscribers (0, 1, 50), in alternating blocks; overhead = time
   difference / calls.
Times are this process's CPU time (time.process_time), the least of the
blocks: the machine is shared, and CPU time does not count the time other
processes take.

Run: PYTHONPATH=build-<x>/python /usr/bin/python3 tests/perf/python_bench.py [--quick]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import hemsrig

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "scenarios" / "worlds" / "demo-house.yaml")


def gets_per_second(calls: int, blocks: int):
    world = hemsrig.World.load(DEMO, seed=1)
    world.start()
    ac = world.appliance("living_ac")
    store = {0x80: b"\x30"}

    class Plain:  # the same call shape in pure Python
        def get(self, epc):
            return store[epc]

    plain = Plain()
    binding, baseline = [], []
    for _ in range(blocks):
        for target, out in ((ac, binding), (plain, baseline)):
            get = target.get
            t0 = time.process_time()
            for _ in range(calls):
                get(0x80)
            out.append(calls / (time.process_time() - t0))
    world.stop()
    return statistics.median(binding), statistics.median(baseline)


def offline_house() -> str:
    """The demo house without its cloud and bench: no real HTTP in the run, so
    the time measured is the engine's and the callbacks'."""
    text = Path(DEMO).read_text(encoding="utf-8")
    return text[: text.index("\ncloud:")] + "\n"


def advance_seconds(hours: float, subscribers: int):
    world = hemsrig.World.from_yaml(offline_house(), seed=1)
    world.start()
    delivered = [0]

    def on_event(_event):
        delivered[0] += 1

    for _ in range(subscribers):
        world.on_event(on_event)
    t0 = time.process_time()
    world.advance(hours=hours)
    elapsed = time.process_time() - t0
    events = len(world.events)
    world.stop()
    return elapsed, events, delivered[0]


def callback_overhead(hours: float, blocks: int, many: int):
    """Minimum (least disturbed) wall time of the same run with 0, 1 and `many`
    no-op subscribers, in alternating blocks."""
    times = {0: [], 1: [], many: []}
    events = 0
    for _ in range(blocks):
        for n in times:
            t, events, _ = advance_seconds(hours, n)
            times[n].append(t)
    return {n: min(ts) for n, ts in times.items()}, events


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small counts, to check that it works")
    args = ap.parse_args()
    calls, blocks, hours, many = (20_000, 3, 2, 20) if args.quick else (200_000, 9, 6, 50)
    binding, baseline = gets_per_second(calls, blocks)
    print(f"Appliance.get(0x80): {binding:,.0f} calls/s (median of {blocks} blocks of {calls:,})")
    print(f"pure-Python get of the same shape: {baseline:,.0f} calls/s; "
          f"ratio binding/pure = {binding / baseline:.2f}")
    t, events = callback_overhead(hours, blocks, many)
    print(f"advance(hours={hours}) of the demo house without cloud: {events:,} events; "
          f"min of {blocks}: {t[0] * 1000:.1f} ms without a subscriber, {t[1] * 1000:.1f} ms "
          f"with one no-op callback, {t[many] * 1000:.1f} ms with {many}")
    print(f"first callback (GIL taken back, Event built, one call): "
          f"{(t[1] - t[0]) / events * 1e6:.2f} us per event")
    print(f"each further callback: {(t[many] - t[1]) / (events * (many - 1)) * 1e6:.2f} us per event")
    return 0


if __name__ == "__main__":
    sys.exit(main())
