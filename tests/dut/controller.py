#!/usr/bin/python3
"""A minimal AiSEG2-like controller firmware: the reference controller DUT (docs/dut.md).

Written against the wire protocols only (ECHONET Lite, docs/unit-channel.md,
docs/cloud-api.md), never the rig's code. It finds the appliances, keeps a
session with the cloud, runs the commands the cloud sends, and follows a
firmware update from the catalogue (download, install, restart itself).
Stdlib Python 3.11; prints one line per notable thing (the rig's trace).
"""
import argparse
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import echonet_lite as el  # noqa: E402
import firmware_update as fw  # noqa: E402
from cloud_client import CloudClient, CloudError  # noqa: E402
from echonet_controller import Appliance, EchonetController  # noqa: E402

# How the unit names what it finds, by class, until a person names it (--name).
CLASS_NAMES = {0x0130: "エアコン", 0x027B: "床暖房", 0x0290: "照明", 0x02A3: "照明システム",
               0x0288: "スマートメーター", 0x0279: "太陽光発電", 0x027D: "蓄電池",
               0x026B: "給湯器"}
KANJI_DIGITS = "一二三四五六七八九"


def say(line):
    print(line, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--address", required=True, help="own ECHONET Lite address (binds :3610)")
    p.add_argument("--interface", default="127.0.0.1", help="where multicast is joined and sent")
    p.add_argument("--cloud", required=True, help="the cloud's base URL")
    p.add_argument("--ca", default="", help="PEM of the CA to trust for https")
    p.add_argument("--state", required=True, help="a directory kept across restarts")
    p.add_argument("--speed", type=float, default=1.0, help="scenario time per wall time")
    p.add_argument("--device-code", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--firmware", required=True, help="the version of the first boot")
    p.add_argument("--access-password", default=None,
                   help="default: the device code's 10 digits (DOMAIN R32)")
    p.add_argument("--voice-scene", action="append", default=[],
                   metavar="NAME=APPLIANCE:EPC=EDT,...",
                   help="a voice scene entry (repeat for more appliances or scenes); APPLIANCE "
                        "is a key ADDRESS/0xEOJ or an EOJ 0x013001 (the first found)")
    p.add_argument("--name", action="append", default=[], metavar="APPLIANCE=NAME",
                   help="the name a person gives an appliance on the unit (DOMAIN R65)")
    p.add_argument("--install-seconds", type=float, default=1800.0,
                   help="scenario seconds an install takes (DOMAIN R12: about 30 minutes)")
    p.add_argument("--no-update", action="store_true", help="never check the catalogue")
    a = p.parse_args(argv)
    digits = "".join(c for c in a.device_code if c.isdigit())
    if len(digits) != 10:
        p.error(f"--device-code {a.device_code!r} is not 10 digits (99999-50072)")
    a.device_digits = digits
    if a.access_password is None:
        a.access_password = digits
    if a.speed <= 0:
        p.error("--speed must be > 0")
    try:
        a.scenes = parse_voice_scenes(a.voice_scene)
        a.names = dict(parse_pair(t, "--name") for t in a.name)
    except ValueError as e:
        p.error(str(e))
    return a


def parse_pair(text, flag):
    if "=" not in text:
        raise ValueError(f"{flag} {text!r}: expected LEFT=RIGHT")
    left, right = text.split("=", 1)
    if not left or not right:
        raise ValueError(f"{flag} {text!r}: both sides are needed")
    return left, right


def parse_voice_scenes(texts):
    """{name: [(appliance selector, [(epc, edt)])]} from NAME=APPLIANCE:EPC=EDT,..."""
    scenes = {}
    for text in texts:
        name, rest = parse_pair(text, "--voice-scene")
        if ":" not in rest:
            raise ValueError(f"--voice-scene {text!r}: expected NAME=APPLIANCE:EPC=EDT,...")
        selector, sets_text = rest.split(":", 1)
        sets = []
        for item in sets_text.split(","):
            epc, edt = parse_pair(item, "--voice-scene")
            sets.append((el.parse_epc(epc), el.parse_edt(edt)))
        scenes.setdefault(name, []).append((selector, sets))
    return scenes


class Firmware:
    """The controller: ECHONET side, cloud session, commands and updates."""

    def __init__(self, args, version):
        self.args, self.version = args, version
        self.stopping = threading.Event()
        self.appliances = {}              # key -> Appliance
        self.appliances_lock = threading.Lock()
        self.speaker_users = []
        self.used_link_codes = set()
        self.state_dirty = threading.Event()
        self.session_lock = threading.Lock()
        self.cloud = CloudClient(args.cloud, args.ca or None)
        self.session = None
        self.heartbeat_s, self.poll_wait_s = 60.0, 25.0
        self.echonet = EchonetController(args.address, args.interface, log=say)
        self.echonet.on_announce = self._node_announced
        self.echonet.on_change = self._property_announced

    # ---- scenario time ----------------------------------------------------------------------
    def wall(self, scenario_seconds):
        return scenario_seconds / self.args.speed

    def sleep(self, wall_seconds):
        return self.stopping.wait(wall_seconds)

    # ---- appliances -------------------------------------------------------------------------
    def discover(self):
        nodes = self.echonet.discover()
        found = []
        for address, eojs in nodes:
            for eoj in eojs:
                if eoj >> 8 in (0x0EF0, 0x05FF):
                    continue
                found.append(self._learn(address, eoj))
        say(f"discovered {len(found)} appliances")
        self.state_dirty.set()

    def _learn(self, address, eoj):
        key = f"{address}/{el.eoj_text(eoj)}"
        with self.appliances_lock:
            a = self.appliances.get(key)
            if a is None:
                a = self.appliances[key] = Appliance(address, eoj)
        answer = self.echonet.request(address, eoj, el.GET, [(0x9F, b""), (0x9E, b"")])
        if answer is not None:
            a.online = True
            a.get_map = el.decode_property_map(answer.prop(0x9F) or b"")
            a.set_map = el.decode_property_map(answer.prop(0x9E) or b"")
        self.echonet.read(a, a.state_epcs())
        return a

    def _node_announced(self, address, eojs):
        # A node that (re)boots announces 0xD5: learn its objects (not on the receiver thread).
        def learn():
            for eoj in eojs:
                if eoj >> 8 not in (0x0EF0, 0x05FF):
                    self._learn(address, eoj)
            self.state_dirty.set()
        threading.Thread(target=learn, daemon=True).start()

    def _property_announced(self, address, eoj, props):
        with self.appliances_lock:
            a = self.appliances.get(f"{address}/{el.eoj_text(eoj)}")
        if a is not None:
            for epc, edt in props:
                if edt:
                    a.state[epc] = edt
            self.state_dirty.set()

    def find(self, selector):
        """An appliance by key (ADDRESS/0xEOJ) or by EOJ (the first found)."""
        with self.appliances_lock:
            if selector in self.appliances:
                return self.appliances[selector]
            try:
                eoj = int(selector, 16)
            except ValueError:
                return None
            for key in sorted(self.appliances):
                if self.appliances[key].eoj == eoj:
                    return self.appliances[key]
        return None

    def find_or_learn(self, selector):
        """find(), else a key ADDRESS/0xEOJ not found yet is asked directly (it may be new)."""
        a = self.find(selector)
        if a is None and "/" in selector:
            address, eoj = selector.split("/", 1)
            try:
                a = self._learn(address, int(eoj, 16))
            except (ValueError, OSError):
                return None
            if not a.online:
                with self.appliances_lock:
                    self.appliances.pop(a.key, None)
                return None
            self.state_dirty.set()
        return a

    def name_of(self, a, index_in_class):
        for selector, name in self.args.names.items():
            if self.find(selector) is a:
                return name
        base = CLASS_NAMES.get(a.eoj >> 8, "機器")
        return base if index_in_class == 0 else base + KANJI_DIGITS[min(index_in_class, 8)]

    def state_document(self):
        with self.appliances_lock:
            items = [self.appliances[k] for k in sorted(self.appliances)]
        per_class, appliances = {}, []
        for a in items:
            n = per_class.get(a.eoj >> 8, 0)
            per_class[a.eoj >> 8] = n + 1
            appliances.append({"key": a.key, "name": self.name_of(a, n),
                               "class": el.class_text(a.eoj), "online": a.online,
                               "state": {el.epc_key(e): v.hex().upper()
                                         for e, v in sorted(a.state.items())}})
        scenes = []
        for name, entries in self.args.scenes.items():
            keys = [a.key for a in (self.find(sel) for sel, _ in entries) if a is not None]
            scenes.append({"name": name, "appliances": keys})
        return {"firmware": self.version, "access_password": self.args.access_password,
                "appliances": appliances, "voice_scenes": scenes, "lighting_scenes": []}

    # ---- cloud session ----------------------------------------------------------------------
    def hello(self):
        """Hello until the cloud answers (backoff capped at 5 s); False when stopping."""
        delay = 0.2
        while not self.stopping.is_set():
            try:
                doc = CloudClient(self.args.cloud, self.args.ca or None).call(
                    "POST", "/v1/unit-channel/hello",
                    {"device_code": self.args.device_digits, "model": self.args.model,
                     "firmware": self.version, "access_password": self.args.access_password})
                with self.session_lock:
                    self.session = doc["session"]
                    self.cloud.token = self.session
                self.heartbeat_s = float(doc.get("heartbeat_interval_s", 60))
                self.poll_wait_s = float(doc.get("poll_wait_s", 25))
                say(f"hello ok firmware {self.version}")
                self.state_dirty.set()
                return True
            except CloudError as e:
                say(f"hello failed: {e}")
                if e.status in (400, 422):
                    return False  # refused for good (DOMAIN R2 unknown_model, a bad field)
            self.sleep(delay)
            delay = min(delay * 2, 5.0)
        return False

    def authed(self, method, path, body=None, timeout=10.0):
        """A unit-channel call; on 401 session_unknown hello once again and retry."""
        for _ in range(2):
            try:
                return self.cloud.call(method, path, body, timeout=timeout)
            except CloudError as e:
                if e.status != 401:
                    raise
                say("session lost: hello again")
                if not self.hello():
                    raise
        raise CloudError(401, "session_unknown")

    def report_state(self):
        try:
            self.authed("POST", "/v1/unit-channel/state", self.state_document())
            return True
        except CloudError as e:
            say(f"state failed: {e}")
            return False

    def heartbeat_loop(self):
        last_refresh = time.monotonic()
        next_beat = 0.0
        while not self.stopping.is_set():
            now = time.monotonic()
            if now >= next_beat or self.state_dirty.is_set():
                self.state_dirty.clear()
                self.report_state()
                next_beat = time.monotonic() + self.wall(self.heartbeat_s)
            if now - last_refresh > max(self.wall(self.heartbeat_s), 2.0):
                last_refresh = now
                self.refresh_states()
            self.state_dirty.wait(min(0.2, max(0.01, next_beat - time.monotonic())))

    def refresh_states(self):
        with self.appliances_lock:
            items = list(self.appliances.values())
        changed = False
        for a in items:
            before = (a.online, dict(a.state))
            self.echonet.read(a, a.state_epcs())
            changed |= before != (a.online, a.state)
        if changed:
            self.state_dirty.set()

    def poll_loop(self):
        delay = 0.2
        while not self.stopping.is_set():
            wait_s = int(self.poll_wait_s)
            try:
                doc = self.authed("GET", f"/v1/unit-channel/commands?wait_s={wait_s}",
                                  timeout=self.wall(wait_s) + 15)
                delay = 0.2
            except CloudError as e:
                say(f"poll failed: {e}")
                self.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            for command in doc.get("commands", []):
                self.run_command(command)

    # ---- commands ---------------------------------------------------------------------------
    def run_command(self, c):
        kind = c.get("kind", "?")
        try:
            result = getattr(self, "cmd_" + kind, self.cmd_unknown)(c)
        except (KeyError, ValueError, TypeError) as e:
            result = {"ok": False, "error": "invalid_command", "message": str(e)}
        result.setdefault("error", "")
        say(f"command {kind} {'ok' if result.get('ok') else 'failed: ' + result['error']}")
        try:
            self.authed("POST", f"/v1/unit-channel/commands/{c['id']}/result", result)
        except CloudError as e:
            say(f"result of command {c.get('id')} not taken: {e}")
        self.state_dirty.set()

    def _set(self, a, sets):
        """SetC (the controller retries inside), then the set EPCs read back."""
        if a is None:
            return {"ok": False, "error": "appliance_unknown"}
        outcome = self.echonet.write(a, sets)
        if outcome == "timeout":
            return {"ok": False, "error": "appliance_offline" if not a.online else "timeout"}
        if outcome == "refused":
            return {"ok": False, "error": "refused"}
        self.echonet.read(a, sorted({e for e, _ in sets} | set(a.state_epcs())))
        return {"ok": True, "state": {el.epc_key(e): a.state[e].hex().upper()
                                      for e, _ in sets if e in a.state}}

    def cmd_set(self, c):
        sets = [(el.parse_epc(e), el.parse_edt(v)) for e, v in c["sets"]]
        return self._set(self.find_or_learn(c["appliance"]), sets)

    def cmd_query(self, c):
        a = self.find_or_learn(c["appliance"])
        if a is None:
            return {"ok": False, "error": "appliance_unknown"}
        if not self.echonet.read(a, a.state_epcs()):
            return {"ok": False, "error": "appliance_offline"}
        return {"ok": True, "state": {el.epc_key(e): v.hex().upper() for e, v in a.state.items()}}

    def cmd_lighting_scene(self, c):
        return {"ok": False, "error": "lighting_scene_missing"}  # this firmware keeps none

    def cmd_run_voice_scene(self, c):
        # DOMAIN R70: a voice scene sets several appliances to stored states at once.
        entries = self.args.scenes.get(c["scene"])
        if entries is None:
            return {"ok": False, "error": "voice_scene_unknown"}
        out = []
        for selector, sets in entries:
            a = self.find_or_learn(selector)
            r = self._set(a, sets)
            status = "done" if r["ok"] else ("timed_out" if r["error"] == "timeout" else "failed")
            out.append({"appliance": a.key if a else selector, "status": status,
                        "error": r.get("error", ""),
                        "state": {el.epc_key(e): v.hex().upper()
                                  for e, v in (a.state.items() if a else [])}})
        return {"ok": all(e["status"] == "done" for e in out), "entries": out}

    def cmd_link_code_used(self, c):
        self.used_link_codes.add(c["code"])  # DOMAIN R53: single use
        return {"ok": True}

    def cmd_speaker_users(self, c):
        self.speaker_users = [u.get("nickname", "") for u in c.get("users", [])]
        say(f"speaker users: {', '.join(self.speaker_users) or '-'}")
        return {"ok": True}

    def cmd_unknown(self, c):
        return {"ok": False, "error": "unknown_kind"}

    # ---- firmware update --------------------------------------------------------------------
    def update_check(self, store):
        """At every boot: the catalogue's latest; if newer, download, install, restart."""
        delay = 0.5
        for _ in range(8):  # DOMAIN R10: needs the cloud; bounded retries
            if self.stopping.is_set():
                return
            try:
                entry = CloudClient(self.args.cloud, self.args.ca or None).call(
                    "GET", f"/v1/firmware/{self.args.model}/latest")
                break
            except CloudError as e:
                say(f"firmware check failed: {e}")
                if e.status in (404, 422):
                    return
                self.sleep(delay)
                delay = min(delay * 2, 5.0)
        else:
            return
        latest = entry.get("version", "")
        if not fw.is_newer(latest, self.version):
            say(f"firmware latest {self.version}")
            return
        say(f"firmware update available {latest}")
        try:
            fw.download(CloudClient(self.args.cloud, self.args.ca or None), store, entry, say,
                        self.stopping)
        except CloudError as e:
            say(f"firmware download failed: {e}")
            return
        # DOMAIN R12: installing takes about 30 minutes, then the unit reboots.
        store.mark_installing(latest)
        say(f"installing {latest}")
        if self.sleep(self.wall(self.args.install_seconds)):
            return  # stopped mid-install: the mark stays, the next boot keeps the old version
        store.set_running_version(latest)
        store.clear_installing()
        try:
            os.remove(store.partial(latest))
        except OSError:
            pass
        say(f"installed {latest}")
        say("rebooting")
        self.echonet.close()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:])

    def run(self, store):
        self.echonet.announce()
        say(f"echonet up {self.args.address} 0x05FF01")
        threading.Thread(target=self.discover, daemon=True).start()
        if self.hello():
            threading.Thread(target=self.heartbeat_loop, daemon=True).start()
            threading.Thread(target=self.poll_loop, daemon=True).start()
        if not self.args.no_update:
            threading.Thread(target=self.update_check, args=(store,), daemon=True).start()
        while not self.stopping.wait(0.5):
            pass


def main(argv):
    args = parse_args(argv)
    store = fw.FirmwareStore(args.state, args.firmware)
    interrupted = store.interrupted_install()
    version = store.running_version()
    if interrupted:
        # DOMAIN R12 (rig, dual bank): a cut during install boots the previous version.
        say(f"install interrupted: {interrupted} not installed, running {version}")
    say(f"booted {version} model {args.model} device code {args.device_code}")
    try:
        firmware = Firmware(args, version)
    except OSError as e:
        say(f"cannot open ECHONET Lite on {args.address}:3610: {e}")
        return 1

    def stop(signum, frame):
        firmware.stopping.set()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    firmware.run(store)
    firmware.echonet.close()
    say("stopped")
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # Daemon threads may be mid-print or mid-poll: flush, then leave without the interpreter's
    # shutdown (which can abort on a stdout lock held by such a thread).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
