"""pytest plugin: a fresh hemsrig world per test.

Enable it with ``-p hemsrig.pytest_plugin`` (or ``pytest_plugins =
["hemsrig.pytest_plugin"]`` in a conftest). Then::

    @pytest.mark.world("scenarios/worlds/demo-house.yaml", seed=7)
    def test_x(world):
        world.advance(minutes=31)

- ``world``: the world the test's ``world`` marker names (a path, or
  ``yaml=TEXT``), started; stopped after the test even when it failed.
  Without a marker it uses the ``world_yaml`` fixture, which a test module may
  override to build its world in code.
- ``world_factory``: ``world_factory(path=None, yaml=None, **options)`` for
  tests that want several worlds; every one is stopped at teardown.
- On failure the report gets a section with the trace's last lines
  (``--hemsrig-trace-lines``), and the trace (JSONL) and pcap are saved beside
  the JUnit XML (``--junitxml``) or in pytest's temp folder; the section names
  the files.
- Under pytest-xdist each worker gets its own loopback range
  (127.(30+N).0.0 for worker gwN); every server the world opens takes a free
  port.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

from . import World

_WORLDS_ATTR = "_hemsrig_worlds"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hemsrig")
    group.addoption(
        "--hemsrig-trace-lines",
        type=int,
        default=20,
        help="trace lines shown in the report of a failed test (default 20)",
    )
    group.addoption(
        "--hemsrig-trace-dir",
        default=None,
        help="where failed tests' traces and pcaps go (default: beside --junitxml, "
        "else pytest's temp folder)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "world(path=None, *, yaml=None, seed=None, realtime=None, speed=None): the world file "
        "(or YAML text) the `world` fixture loads for this test",
    )


def worker_base_address(worker_id: str) -> Optional[str]:
    """127.(30+N).0.0 for xdist worker gwN; None outside xdist."""
    m = re.fullmatch(r"gw(\d+)", worker_id or "")
    if not m:
        return None
    n = int(m.group(1))
    if n > 200:
        raise pytest.UsageError("hemsrig: at most 201 xdist workers (one loopback /16 each)")
    return f"127.{30 + n}.0.0"


def _worker_id(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "master"


def _resolve(path: str, request: pytest.FixtureRequest) -> str:
    """A world path as written in a marker: absolute, or relative to the test
    file, the working folder, pytest's rootdir, or HEMSRIG_SOURCE_DIR."""
    p = Path(path)
    if p.is_absolute():
        return str(p)
    bases = [Path(request.node.fspath).parent, Path.cwd(), Path(str(request.config.rootpath))]
    if os.environ.get("HEMSRIG_SOURCE_DIR"):
        bases.append(Path(os.environ["HEMSRIG_SOURCE_DIR"]))
    # The repository holding the test: the first parent with scenarios/.
    for parent in Path(request.node.fspath).parents:
        if (parent / "scenarios").is_dir():
            bases.append(parent)
            break
    for base in bases:
        if (base / p).exists():
            return str(base / p)
    return path  # World.load reports it as missing


def _remember(request: pytest.FixtureRequest, world: World) -> None:
    worlds: List[World] = getattr(request.node, _WORLDS_ATTR, [])
    worlds.append(world)
    setattr(request.node, _WORLDS_ATTR, worlds)


@pytest.fixture
def world_yaml() -> Optional[str]:
    """Override to build a test module's world in code (world-file YAML text)."""
    return None


@pytest.fixture
def world_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., World]]:
    """Builds and starts worlds; stops each at teardown, even after a failure."""
    made: List[World] = []
    base = worker_base_address(_worker_id(request.config))

    def make(path: Optional[str] = None, *, yaml: Optional[str] = None, start: bool = True,
             **options) -> World:
        if (path is None) == (yaml is None):
            raise TypeError("world_factory: give a path or yaml=, not both")
        if base is not None:
            options.setdefault("base_address", base)
        w = World.load(_resolve(path, request), **options) if path is not None \
            else World.from_yaml(yaml, **options)
        made.append(w)
        _remember(request, w)
        if start:
            w.start()
        return w

    try:
        yield make
    finally:
        errors = []
        for w in made:
            try:
                w.stop()
            except Exception as e:  # noqa: BLE001 - stop the others too, then report
                errors.append(e)
        if errors:
            raise errors[0]


@pytest.fixture
def world(request: pytest.FixtureRequest, world_factory: Callable[..., World],
          world_yaml: Optional[str]) -> World:
    """A started world from the test's ``world`` marker (or ``world_yaml``)."""
    marker = request.node.get_closest_marker("world")
    if marker is not None:
        options = dict(marker.kwargs)
        yaml = options.pop("yaml", None)
        path = marker.args[0] if marker.args else None
        return world_factory(path, yaml=yaml, **options)
    if world_yaml is not None:
        return world_factory(yaml=world_yaml)
    raise pytest.UsageError(
        f"{request.node.nodeid}: the `world` fixture needs @pytest.mark.world(\"FILE\") "
        "or a `world_yaml` fixture returning world-file YAML")


def _trace_dir(config: pytest.Config) -> Path:
    explicit = config.getoption("--hemsrig-trace-dir")
    if explicit:
        return Path(explicit)
    xmlpath = getattr(config.option, "xmlpath", None)
    if xmlpath:
        return Path(xmlpath).resolve().parent / "hemsrig-traces"
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        return factory.getbasetemp() / "hemsrig-traces"
    return Path.cwd() / "hemsrig-traces"


def _save(world: World, dest: Path, stem: str) -> List[str]:
    dest.mkdir(parents=True, exist_ok=True)
    world.flush()
    saved = []
    for src, suffix in ((world.trace_path, ".trace.jsonl"), (world.pcap_path, ".pcap")):
        if src and os.path.exists(src):
            target = dest / (stem + suffix)
            shutil.copyfile(src, target)
            saved.append(str(target))
    return saved


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):  # noqa: ANN001 - pytest's CallInfo
    outcome = yield
    report = outcome.get_result()
    worlds: List[World] = getattr(item, _WORLDS_ATTR, [])
    if not report.failed or not worlds:
        return
    lines = item.config.getoption("--hemsrig-trace-lines")
    stem_base = re.sub(r"[^A-Za-z0-9._-]", "_", item.nodeid)
    for i, w in enumerate(worlds):
        stem = stem_base + (f"-{i}" if len(worlds) > 1 else "") + f"-{report.when}"
        text = []
        try:
            saved = _save(w, _trace_dir(item.config), stem)
            text.append("saved: " + ", ".join(saved))
        except OSError as e:
            text.append(f"could not save the trace: {e}")
        text.append(f"world {w.name} at t={w.now:.3f}s; last {lines} trace lines:")
        text.extend(w.trace_tail(lines))
        report.sections.append((f"hemsrig trace ({w.name})", "\n".join(text)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem):  # noqa: ANN001
    yield
    # The worlds (and their temp files) go once the test is fully reported.
    if hasattr(item, _WORLDS_ATTR):
        delattr(item, _WORLDS_ATTR)
