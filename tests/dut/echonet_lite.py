"""ECHONET Lite frames for the reference DUTs: encode, decode, property maps.

Written from the ECHONET Lite specification (Part II, format 1 frames), not
from the rig's code: EHD 0x10 0x81, TID, SEOJ, DEOJ, ESV, OPC, then
EPC/PDC/EDT per property. Pure functions; no sockets here.
"""
from dataclasses import dataclass, field

EHD = b"\x10\x81"
PORT = 3610
MULTICAST = "224.0.23.0"

NODE_PROFILE = 0x0EF001
CONTROLLER = 0x05FF01

# Services (ESV).
SETI_SNA, SETC_SNA, GET_SNA, INF_SNA = 0x50, 0x51, 0x52, 0x53
SETI, SETC, GET, INF_REQ = 0x60, 0x61, 0x62, 0x63
SET_RES, GET_RES, INF, INFC, INFC_RES = 0x71, 0x72, 0x73, 0x74, 0x7A

ESV_NAMES = {SETI_SNA: "SetI_SNA", SETC_SNA: "SetC_SNA", GET_SNA: "Get_SNA", INF_SNA: "INF_SNA",
             SETI: "SetI", SETC: "SetC", GET: "Get", INF_REQ: "INF_REQ", SET_RES: "Set_Res",
             GET_RES: "Get_Res", INF: "INF", INFC: "INFC", INFC_RES: "INFC_Res"}


class FrameError(ValueError):
    """A datagram that is not a well-formed ECHONET Lite format-1 frame."""


@dataclass
class Frame:
    tid: int
    seoj: int
    deoj: int
    esv: int
    props: list = field(default_factory=list)  # [(epc, edt bytes)]

    def encode(self) -> bytes:
        out = bytearray(EHD)
        out += self.tid.to_bytes(2, "big")
        out += self.seoj.to_bytes(3, "big") + self.deoj.to_bytes(3, "big")
        out.append(self.esv)
        out.append(len(self.props))
        for epc, edt in self.props:
            out.append(epc)
            out.append(len(edt))
            out += edt
        return bytes(out)

    def prop(self, epc):
        for e, edt in self.props:
            if e == epc:
                return edt
        return None


def decode(data: bytes) -> Frame:
    if len(data) < 12 or data[:2] != EHD:
        raise FrameError("not an ECHONET Lite format-1 frame")
    tid = int.from_bytes(data[2:4], "big")
    seoj = int.from_bytes(data[4:7], "big")
    deoj = int.from_bytes(data[7:10], "big")
    esv, opc = data[10], data[11]
    props, i = [], 12
    for _ in range(opc):
        if i + 2 > len(data):
            raise FrameError("frame ends inside a property header")
        epc, pdc = data[i], data[i + 1]
        i += 2
        if i + pdc > len(data):
            raise FrameError(f"EPC 0x{epc:02X} claims {pdc} bytes past the frame's end")
        props.append((epc, bytes(data[i:i + pdc])))
        i += pdc
    return Frame(tid, seoj, deoj, esv, props)


def encode_property_map(epcs) -> bytes:
    """Property map (0x9D/0x9E/0x9F): a list under 16, else the 16-byte bitmap."""
    epcs = sorted(set(epcs))
    if len(epcs) < 16:
        return bytes([len(epcs)] + epcs)
    bitmap = bytearray(16)
    for epc in epcs:
        bitmap[epc & 0x0F] |= 1 << ((epc >> 4) - 8)
    return bytes([len(epcs)]) + bytes(bitmap)


def decode_property_map(edt: bytes) -> set:
    if not edt:
        return set()
    count = edt[0]
    if count < 16:
        return set(edt[1:1 + count])
    epcs = set()
    for low, byte in enumerate(edt[1:17]):
        for bit in range(8):
            if byte & (1 << bit):
                epcs.add(((bit + 8) << 4) | low)
    return epcs


def decode_instance_list(edt: bytes) -> list:
    """0xD5 / 0xD6: a count, then 3-byte EOJs."""
    if not edt:
        return []
    n = edt[0]
    return [int.from_bytes(edt[1 + 3 * k:4 + 3 * k], "big") for k in range(n)
            if 4 + 3 * k <= len(edt)]


def encode_instance_list(eojs) -> bytes:
    return bytes([len(eojs)]) + b"".join(e.to_bytes(3, "big") for e in eojs)


def parse_epc(text: str) -> int:
    """'0x80', '80' or '128' -> 0x80; ValueError otherwise."""
    t = text.strip()
    value = int(t, 16) if t.lower().startswith("0x") or len(t) == 2 else int(t)
    if not 0x80 <= value <= 0xFF:
        raise ValueError(f"EPC {text!r} is not 0x80..0xFF")
    return value


def parse_edt(text: str) -> bytes:
    """Hex EDT as the unit channel carries it: '30', '1A00', '0x30', '1A 00'."""
    t = text.strip().replace(" ", "")
    if t.lower().startswith("0x"):
        t = t[2:]
    if not t or len(t) % 2:
        raise ValueError(f"EDT {text!r} is not whole bytes of hex")
    return bytes.fromhex(t)


def epc_key(epc: int) -> str:
    return f"0x{epc:02X}"


def eoj_text(eoj: int) -> str:
    return f"0x{eoj:06X}"


def class_text(eoj: int) -> str:
    return f"0x{eoj >> 8:04X}"
