#!/usr/bin/python3
"""A pymodbus Modbus TCP server: the third-party peer of the bench tests and benchmark.

Serves N coils (all 0) and N*6 input registers (all 0) on 127.0.0.1, on a free port
unless --port is given, and prints `ready HOST:PORT` once it accepts connections.
Stops on SIGTERM/SIGINT, or by itself after --max-seconds (so it never outlives a test).
"""
import argparse
import asyncio
import logging
import signal
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server.async_io import ModbusTcpServer


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--coils", type=int, default=16)
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # pymodbus logs every exception it answers

    # pymodbus blocks are 1-based inside: address 0 on the wire is index 1 of the block.
    store = ModbusSlaveContext(
        co=ModbusSequentialDataBlock(1, [0] * args.coils),
        di=ModbusSequentialDataBlock(1, [0] * args.coils),
        hr=ModbusSequentialDataBlock(1, [0] * 4),
        ir=ModbusSequentialDataBlock(1, [0] * (args.coils * 6)),
    )
    context = ModbusServerContext(slaves=store, single=True)
    server = ModbusTcpServer(context, address=(args.host, args.port), allow_reuse_address=True)
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    host, port = server.server.sockets[0].getsockname()[:2]
    print(f"ready {host}:{port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except asyncio.TimeoutError:
        pass
    await server.shutdown()
    task.cancel()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
