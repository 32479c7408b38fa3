"""hemsrig: the AiSEG2 home-energy rig in Python.

Load a world, start it, drive its units and appliances, advance simulated
time and read what happened::

    import hemsrig
    with hemsrig.World.load("scenarios/worlds/demo-house.yaml") as world:
        world.advance(minutes=5)
        print(world.unit("hems").appliances())

The pytest plugin (``-p hemsrig.pytest_plugin``) gives tests a ``world``
fixture. See docs/python.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from . import errors
from ._hemsrig import (
    App,
    Appliance,
    Bench,
    Cloud,
    Dut,
    Event,
    Frame,
    Firmware,
    Google,
    LightingScene,
    LightingScenes,
    LinkCode,
    LinkCodes,
    Mail,
    NameWarning,
    RegisteredAppliance,
    SceneEntryResult,
    SceneRun,
    Screen,
    ServerService,
    Sms,
    Unit,
    VoiceScenes,
    World,
    run_scenario,
)
from .errors import Diagnostic, HemsrigError, NotFound, Refused, WorldFileError

JST = timezone(timedelta(hours=9), "JST")


def clock(world: World) -> datetime:
    """The world's simulated calendar time, in JST (the unit's clock)."""
    return datetime.fromtimestamp(world.epoch_seconds, JST)


def elapsed(world: World) -> timedelta:
    """Simulated time since the world was built, as a timedelta."""
    return timedelta(seconds=world.now)


__all__ = [
    "App",
    "Appliance",
    "Bench",
    "Cloud",
    "Diagnostic",
    "Dut",
    "Event",
    "Frame",
    "Firmware",
    "Google",
    "HemsrigError",
    "JST",
    "LightingScene",
    "LightingScenes",
    "LinkCode",
    "LinkCodes",
    "Mail",
    "NameWarning",
    "NotFound",
    "Refused",
    "RegisteredAppliance",
    "SceneEntryResult",
    "SceneRun",
    "Screen",
    "ServerService",
    "Sms",
    "Unit",
    "VoiceScenes",
    "World",
    "WorldFileError",
    "clock",
    "elapsed",
    "errors",
    "run_scenario",
]
