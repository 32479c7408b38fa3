# Type stubs of the C++ module _hemsrig (bindings/src). Keep in step with it;
# tests/python/test_stubs.py checks that every name here exists in the module.
from datetime import timedelta
from typing import Callable, Dict, List, Mapping, Optional, Tuple, Union

_Seconds = Union[float, int, timedelta]
_Value = Union[bytes, int]

class Event:
    t: float
    source: str
    unit: str
    kind: str
    appliance: str
    name: str
    epc: int
    version: str
    detail: str
    @property
    def old(self) -> bytes: ...
    @property
    def new(self) -> bytes: ...

class Frame:
    t: float
    source: str
    destination: str
    @property
    def tid(self) -> int: ...
    @property
    def seoj(self) -> str: ...
    @property
    def deoj(self) -> str: ...
    @property
    def esv(self) -> str: ...
    @property
    def properties(self) -> List[Tuple[int, bytes]]: ...
    @property
    def get_properties(self) -> List[Tuple[int, bytes]]: ...

class Screen:
    id: str
    title: str
    clock: str
    breadcrumb: str
    lines: List[str]
    buttons: List[str]
    fields: Dict[str, str]

class LinkCode:
    code: str
    club_id: str
    issued_at: float
    expires_at: float

class RegisteredAppliance:
    key: str
    name: str
    class_code: int
    online: bool
    state: Dict[int, bytes]

class NameWarning:
    key: str
    code: str
    name: str
    message: str

class LightingScene:
    name: str
    appliance: str
    number: int

class SceneEntryResult:
    appliance: str
    status: str
    error: str
    state: Dict[str, str]
    sets: List[Tuple[int, bytes]]

class SceneRun:
    scene: str
    started: float
    finished: float
    entries: List[SceneEntryResult]
    all_ok: bool

class Firmware:
    state: str
    version: str
    available: Optional[str]
    release_notes: str
    screen: str
    last_failure: str
    events: List[Event]
    def check(self) -> None: ...
    def install(self) -> None: ...
    def acknowledge(self) -> None: ...
    def recover(self) -> None: ...

class ServerService:
    current: str
    registered: bool
    def open(self) -> Screen: ...
    def close(self) -> Screen: ...
    def show(self) -> Screen: ...
    def enter_device_code(self, typed: str) -> Screen: ...
    def press(self, button: str) -> Screen: ...
    def enter_confirmation_code(self, typed: str) -> Screen: ...
    def enter_household(
        self,
        *,
        prefecture: Optional[str] = ...,
        region: Optional[str] = ...,
        municipality: Optional[str] = ...,
        household_size: Optional[int] = ...,
        building: Optional[str] = ...,
        energy: Optional[str] = ...,
    ) -> Screen: ...
    def issue_link_code(self, club_id: str) -> Screen: ...

class LinkCodes:
    def consume(self, code: str, club_id: Optional[str] = None) -> LinkCode: ...
    def live_code(self, club_id: str) -> Optional[LinkCode]: ...

class LightingScenes:
    def add(self, name: str, appliance: str, number: int) -> None: ...
    def remove(self, appliance: str, name: str) -> None: ...
    def all(self) -> List[LightingScene]: ...

class VoiceScenes:
    names: List[str]
    def add(self, name: str, entries: Mapping[str, Union[str, Mapping[int, _Value]]]) -> None: ...
    def remove(self, name: str) -> None: ...
    def run(self, name: str, timeout: _Seconds = 60.0) -> SceneRun: ...

class Unit:
    id: str
    model: str
    device_code: str
    powered: bool
    up: bool
    web_url: str
    on_lan: bool
    firmware: Firmware
    server_service: ServerService
    link_codes: LinkCodes
    lighting_scenes: LightingScenes
    voice_scenes: VoiceScenes
    history_epoch: int
    def power_on(self) -> None: ...
    def power_off(self) -> None: ...
    def power_cycle(self) -> None: ...
    def appliances(self) -> List[RegisteredAppliance]: ...
    def appliance_key(self, appliance: str) -> str: ...
    def rename(self, appliance: str, name: str) -> None: ...
    def lint(self) -> List[NameWarning]: ...
    def control(
        self, appliance: str, epc: int, value: _Value, timeout: _Seconds = 30.0
    ) -> Dict[str, object]: ...
    def on_event(self, callback: Callable[[Event], object], *, source: Optional[str] = None) -> int: ...

class Appliance:
    id: str
    name: str
    eoj: str
    class_code: int
    node: str
    address: str
    powered: bool
    def get(self, epc: int) -> bytes: ...
    def set(self, epc: int, value: _Value) -> None: ...
    def properties(self) -> Dict[int, bytes]: ...
    def readable(self, epc: int) -> bool: ...
    def settable(self, epc: int) -> bool: ...
    def power_on(self) -> None: ...
    def power_off(self) -> None: ...
    def raise_fault(self, description: int = 0) -> None: ...
    def clear_fault(self) -> None: ...

class Bench:
    endpoint: str
    port: int
    channels: List[str]
    def coil_of(self, name: str) -> int: ...
    def switch(self, channel: str, on: bool) -> None: ...
    def is_on(self, name: str) -> bool: ...
    def power_w(self, name: str) -> float: ...
    def energy_wh(self, name: str) -> float: ...

class Mail:
    id: int
    sender: str
    to: str
    subject: str
    body: str
    links: List[str]
    sent_at: float
    delivered: bool
    failure: str

class Sms:
    id: int
    to: str
    text: str
    sent_at: float
    delivered: bool
    failure: str

class Cloud:
    url: str
    events: List[Event]
    def request(
        self,
        method: str,
        path: str,
        json: object = None,
        body: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
        timeout: _Seconds = 30.0,
    ) -> Dict[str, object]: ...
    def mails(self, to: Optional[str] = None) -> List[Mail]: ...
    def sms(self, to: Optional[str] = None) -> List[Sms]: ...
    def fail_delivery_to(self, recipient: str) -> None: ...
    def clear_delivery_failures(self) -> None: ...

class App:
    """The scripted Smart HEMS service app on one phone (world.app(id))."""

    id: str
    last: Optional[Dict[str, object]]
    session: str
    phone_id: str
    def sign_up(self, email: str, password: str) -> Dict[str, object]: ...
    def login(
        self,
        *,
        email: Optional[str] = None,
        password: Optional[str] = None,
        sms_phone: Optional[str] = None,
    ) -> Dict[str, object]: ...
    def find_unit(self) -> str: ...
    def register(
        self,
        unit: str,
        nickname: str,
        *,
        access_password: Optional[str] = None,
        link_code: Optional[str] = None,
        terms_agreed: Optional[bool] = None,
        device_code: Optional[str] = None,
    ) -> Dict[str, object]: ...
    def call(
        self, method: str, path: str, json: object = None, *, check: bool = True
    ) -> Dict[str, object]: ...
    def speaker_appliances(self, appliances: List[str], *, unit: str = "hems") -> Dict[str, object]: ...

class Google:
    """The scripted Google: account linking and Smart Home intents (world.google(id))."""

    id: str
    account: str
    linked: bool
    devices: List[Dict[str, str]]
    agent_user_id: str
    last: Dict[str, object]
    def link(self, email: str, password: str, *, allow: bool = True) -> None: ...
    def sync(self) -> Dict[str, object]: ...
    def query(self, device_ids: List[str]) -> Dict[str, object]: ...
    def execute(
        self, device_ids: List[str], command: str, params: Optional[Dict[str, object]] = None
    ) -> Dict[str, object]: ...
    def say(self, utterance: str) -> Dict[str, object]: ...
    def disconnect(self) -> None: ...

class Dut:
    """A device under test of the world (world.dut(id)): a real firmware or app in the loop."""

    id: str
    role: str  # "controller" | "app"
    adapter: str  # "process" | "external"
    up: bool
    boots: int
    powered: bool
    running: bool
    pid: Optional[int]
    address: Optional[str]
    output: List[str]
    output_total: int
    state_dir: str
    command_line: str
    def power_off(self) -> None: ...
    def power_on(self) -> None: ...
    def power_cycle(self, *, off_for: _Seconds = 10.0) -> None: ...

class World:
    name: str
    started: bool
    now: float
    epoch_seconds: float
    appliance_ids: List[str]
    unit_ids: List[str]
    dut_ids: List[str]
    realtime: bool
    speed: float
    node_keys: List[str]
    bench: Optional[Bench]
    cloud_url: str
    cloud: Optional[Cloud]
    events: List[Event]
    trace_path: str
    pcap_path: str
    @staticmethod
    def load(
        path: str,
        *,
        seed: Optional[int] = None,
        base_address: Optional[str] = None,
        trace: Optional[str] = None,
        pcap: Optional[str] = None,
        realtime: Optional[bool] = None,
        speed: Optional[float] = None,
    ) -> World: ...
    @staticmethod
    def from_yaml(
        text: str,
        *,
        seed: Optional[int] = None,
        base_address: Optional[str] = None,
        trace: Optional[str] = None,
        pcap: Optional[str] = None,
        realtime: Optional[bool] = None,
        speed: Optional[float] = None,
    ) -> World: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def __enter__(self) -> World: ...
    def __exit__(self, *exc: object) -> bool: ...
    def advance(
        self, *, seconds: float = 0.0, minutes: float = 0.0, hours: float = 0.0, days: float = 0.0
    ) -> float: ...
    def run_until(self, predicate: Callable[[], object], *, timeout: _Seconds = 3600.0) -> bool: ...
    def appliance(self, id: str) -> Appliance: ...
    def unit(self, id: str) -> Unit: ...
    def dut(self, id: str) -> Dut: ...
    def app(self, id: str) -> App: ...
    def google(self, id: str, *, account: Optional[str] = None) -> Google: ...
    def endpoints(self) -> List[Dict[str, str]]: ...
    def clear_events(self) -> None: ...
    def on_event(
        self,
        callback: Callable[[Event], object],
        *,
        unit: Optional[str] = None,
        source: Optional[str] = None,
    ) -> int: ...
    def off_event(self, subscription: int) -> bool: ...
    def trace_tail(self, n: int = 50) -> List[str]: ...
    def frames(
        self,
        source: Optional[str] = None,
        destination: Optional[str] = None,
        esv: Optional[str] = None,
        epc: Optional[int] = None,
    ) -> List[Frame]: ...
    def clear_frames(self) -> None: ...
    def flush(self) -> None: ...

def run_scenario(
    path: str, *, seed: Optional[int] = None, trace_dir: str = ""
) -> Dict[str, object]: ...
