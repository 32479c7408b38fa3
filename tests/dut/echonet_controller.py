"""The reference controller's ECHONET Lite side: its node on the fabric.

Binds address:3610 (SO_REUSEADDR, unicast in and out) and a second socket on
the group 224.0.23.0:3610 joined on the interface (multicast in). Announces
the instance list (INF 0xD5, SEOJ 0x05FF01), answers Get/INF_REQ for its node
profile and controller object, discovers appliances (multicast Get 0xD6) and
asks them (Get, SetC with a bounded retry). One receiver thread.
"""
import select
import socket
import threading
import time

import echonet_lite as el

MAKER = bytes.fromhex("FFFFFF")  # experimental maker code (no vendor of ours)

# The properties a unit keeps of each class and reports to the cloud (the cloud maps them to
# Google traits, docs/google-smart-home.md). Other classes: operation status only.
STATE_EPCS = {
    0x0130: [0x80, 0xB0, 0xB3, 0xBB],      # air conditioner
    0x027B: [0x80, 0xE0, 0xE2],            # floor heater
    0x0290: [0x80, 0xB0],                  # general lighting
    0x02A3: [0x80, 0xB0, 0xC0],            # lighting system
    0x0288: [0x80, 0xE0, 0xE7],            # smart meter
    0x0279: [0x80, 0xE0],                  # solar
    0x027D: [0x80, 0xE4],                  # battery
    0x026B: [0x80, 0xB0],                  # water heater
}


class Appliance:
    def __init__(self, address, eoj):
        self.address, self.eoj = address, eoj
        self.state = {}        # epc -> edt bytes
        self.get_map = set()
        self.set_map = set()
        self.online = True

    @property
    def key(self):
        return f"{self.address}/{el.eoj_text(self.eoj)}"

    def state_epcs(self):
        wanted = STATE_EPCS.get(self.eoj >> 8, [0x80])
        return [e for e in wanted if not self.get_map or e in self.get_map]


class EchonetController:
    def __init__(self, address, interface="127.0.0.1", log=print):
        self.address, self.interface, self.log = address, interface, log
        self.lock = threading.Lock()
        self.pending = {}          # tid -> [event, frame, from-address]
        self.next_tid = 1
        self.discovery = None      # list collecting (address, eojs) while a discovery runs
        self.on_announce = None    # callback(address, eojs) for an INF 0xD5 of another node
        self.on_change = None      # callback(address, eoj, props) for an INF of a property
        self.stopping = threading.Event()
        self.unicast = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.unicast.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.unicast.bind((address, el.PORT))
        self.unicast.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                                socket.inet_aton(interface))
        loopback = interface.startswith("127.")
        self.unicast.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0 if loopback else 1)
        self.unicast.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        self.group = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.group.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.group.bind((el.MULTICAST, el.PORT))
        self.group.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                              socket.inet_aton(el.MULTICAST) + socket.inet_aton(interface))
        self.thread = threading.Thread(target=self._receive, name="echonet", daemon=True)
        self.thread.start()

    def close(self):
        self.stopping.set()
        self.unicast.close()
        self.group.close()

    # ---- our own objects ------------------------------------------------------------------
    def _own_properties(self, eoj):
        if eoj >> 8 == 0x0EF0:
            props = {0x80: b"\x30", 0x82: bytes([1, 13, 1, 0]), 0x8A: MAKER,
                     0x83: b"\xFE" + MAKER + socket.inet_aton(self.address) + bytes(9),
                     0xD3: (1).to_bytes(3, "big"), 0xD4: (2).to_bytes(2, "big"),
                     0xD5: el.encode_instance_list([el.CONTROLLER]),
                     0xD6: el.encode_instance_list([el.CONTROLLER]),
                     0xD7: bytes([1, 0x05, 0xFF])}
        elif eoj >> 8 == 0x05FF:
            props = {0x80: b"\x30", 0x81: b"\x00", 0x82: bytes([0, 0, ord("R"), 1]),
                     0x88: b"\x42", 0x8A: MAKER}
        else:
            return None
        get_map = set(props) | {0x9D, 0x9E, 0x9F}
        props[0x9D] = el.encode_property_map([0x80, 0xD5] if eoj >> 8 == 0x0EF0 else [0x80])
        props[0x9E] = el.encode_property_map([])
        props[0x9F] = el.encode_property_map(get_map)
        return props

    def announce(self):
        """INF 0xD5 to the group: 'I am here' at every boot."""
        frame = el.Frame(self._tid(), el.NODE_PROFILE, el.NODE_PROFILE, el.INF,
                         [(0xD5, el.encode_instance_list([el.CONTROLLER]))])
        self._send(frame, (el.MULTICAST, el.PORT))

    def _answer(self, frame, source):
        own = frame.deoj if frame.deoj & 0xFF else frame.deoj | 1  # instance 0: all of them
        mine = self._own_properties(own) if own in (el.NODE_PROFILE, el.CONTROLLER) else None
        if mine is None:
            return
        if frame.esv in (el.GET, el.INF_REQ):
            out = [(epc, mine.get(epc, b"")) for epc, _ in frame.props]
            ok = all(epc in mine for epc, _ in frame.props)
            if frame.esv == el.GET:
                self._send(el.Frame(frame.tid, own, frame.seoj, el.GET_RES if ok else el.GET_SNA,
                                    out), source)
            elif ok:
                self._send(el.Frame(frame.tid, own, frame.seoj, el.INF, out),
                           (el.MULTICAST, el.PORT))
        elif frame.esv == el.SETC:
            # Nothing of ours is writable: SetC_SNA echoes the request's EDTs.
            self._send(el.Frame(frame.tid, own, frame.seoj, el.SETC_SNA, frame.props), source)
        elif frame.esv == el.INFC:
            self._send(el.Frame(frame.tid, own, frame.seoj, el.INFC_RES,
                                [(e, b"") for e, _ in frame.props]), source)

    # ---- the wire -------------------------------------------------------------------------
    def _tid(self):
        with self.lock:
            tid = self.next_tid
            self.next_tid = self.next_tid % 0xFFFF + 1
            return tid

    def _send(self, frame, to):
        try:
            self.unicast.sendto(frame.encode(), to)
        except OSError as e:
            self.log(f"echonet send to {to[0]} failed: {e}")

    def _receive(self):
        while not self.stopping.is_set():
            try:
                ready, _, _ = select.select([self.unicast, self.group], [], [], 0.5)
            except (OSError, ValueError):
                return
            for sock in ready:
                try:
                    data, source = sock.recvfrom(65536)
                except OSError:
                    continue
                if source[0] == self.address:
                    continue  # our own multicast looped back
                try:
                    frame = el.decode(data)
                except el.FrameError:
                    continue  # garbage on the fabric: not ours to fix
                self._dispatch(frame, source)

    def _dispatch(self, frame, source):
        if frame.esv in (el.GET, el.INF_REQ, el.SETC, el.SETI, el.INFC):
            if frame.deoj >> 8 in (0x0EF0, 0x05FF):
                self._answer(frame, source)
            return
        with self.lock:
            waiter = self.pending.get(frame.tid)
            if waiter is not None and waiter[2] in (None, source[0]):
                waiter[1] = frame
                waiter[3] = source[0]
                waiter[0].set()
                return
            if self.discovery is not None and frame.esv == el.GET_RES and \
                    frame.seoj >> 8 == 0x0EF0:
                edt = frame.prop(0xD6)
                if edt is not None:
                    self.discovery.append((source[0], el.decode_instance_list(edt)))
                return
        if frame.esv in (el.INF, el.INFC):
            if frame.seoj >> 8 == 0x0EF0:
                edt = frame.prop(0xD5)
                if edt is not None and self.on_announce:
                    self.on_announce(source[0], el.decode_instance_list(edt))
            elif self.on_change:
                self.on_change(source[0], frame.seoj, frame.props)

    def request(self, address, deoj, esv, props, timeout=0.5, tries=3):
        """Unicast request, the answer frame or None after `tries` (a bounded retry)."""
        for attempt in range(tries):
            tid = self._tid()
            waiter = [threading.Event(), None, address, None]
            with self.lock:
                self.pending[tid] = waiter
            try:
                self._send(el.Frame(tid, el.CONTROLLER, deoj, esv, props), (address, el.PORT))
                if waiter[0].wait(timeout * (attempt + 1)):
                    return waiter[1]
            finally:
                with self.lock:
                    self.pending.pop(tid, None)
        return None

    def discover(self, window=1.5):
        """Multicast Get 0xD6 of the node profile: [(address, [eoj...])] heard within window."""
        with self.lock:
            self.discovery = []
        self._send(el.Frame(self._tid(), el.CONTROLLER, el.NODE_PROFILE, el.GET, [(0xD6, b"")]),
                   (el.MULTICAST, el.PORT))
        time.sleep(window)
        with self.lock:
            found, self.discovery = self.discovery, None
        nodes = {}
        for address, eojs in found:
            nodes[address] = eojs
        return sorted(nodes.items())

    def read(self, appliance, epcs):
        """Get of epcs; fills appliance.state. True when the appliance answered."""
        if not epcs:
            return True
        answer = self.request(appliance.address, appliance.eoj, el.GET,
                              [(e, b"") for e in epcs])
        if answer is None:
            appliance.online = False
            return False
        appliance.online = True
        for epc, edt in answer.props:
            if edt:
                appliance.state[epc] = edt
        return True

    def write(self, appliance, sets):
        """SetC of [(epc, edt)]: 'ok', 'refused' (SetC_SNA) or 'timeout'."""
        answer = self.request(appliance.address, appliance.eoj, el.SETC, sets)
        if answer is None:
            appliance.online = False
            return "timeout"
        appliance.online = True
        if answer.esv != el.SET_RES:
            return "refused"
        return "ok"
