#!/usr/bin/python3
"""A minimal "Smart HEMS service app": the reference app DUT (docs/dut.md, role app).

Written against the wire only: the cloud's public API (docs/cloud-api.md,
docs/google-smart-home.md) and the unit's LAN face (SSDP, /description.xml,
docs/aiseg2-web.md). Logs in to CLUB ID (with the SMS step, R22), finds the
unit on the LAN (R30), registers the phone (R32/R33), registers the server
service when the unit has none (R35/R37/R54) and, with --speaker, links a
speaker user (R60-R62). One line per step; exit 0 on success, 1 with the
cloud's error code on a refusal, 2 on bad arguments.
"""
import argparse
import os
import re
import socket
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cloud_client import CloudClient, CloudError  # noqa: E402

SEARCH_TARGET = "urn:panasonic-com:service:p60AiSeg2DataService:1"  # AISEG2-FACTS: seen
MODELS = ("MKN704", "MKN705", "MKN713")                             # DOMAIN R2
VOICE_CLASSES = ("0x0130", "0x027B", "0x0290", "0x02A3")            # docs/google-smart-home.md
GOOGLE = {"client_id": "google-smart-home", "client_secret": "hemsrig-google-secret",
          "redirect_uri": "https://oauth-redirect.googleusercontent.com/r/hemsrig"}
HOUSEHOLD = {"prefecture": "大阪府", "region": "大阪府", "municipality": "門真市",
             "household_size": 4, "building": "detached", "energy": "electricity_only"}


class Refused(Exception):
    def __init__(self, code, message=""):
        super().__init__(code)
        self.code, self.message = code, message


def say(line):
    print(line, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cloud", required=True)
    p.add_argument("--ca", default="", help="PEM of the CA to trust for https")
    p.add_argument("--ssdp-port", type=int, default=1900)
    p.add_argument("--ssdp-address", default="239.255.255.250",
                   help="where the M-SEARCH goes (the group, or a unit's own address)")
    p.add_argument("--interface", default="127.0.0.1", help="the phone's Wi-Fi (multicast out)")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--phone", default="", help="this phone's number, for the SMS step (R22)")
    p.add_argument("--nickname", required=True)
    p.add_argument("--device-code", default="",
                   help="as printed on the unit (R32); default: the unit's description")
    p.add_argument("--access-password", default=None,
                   help="default: the device code's 10 digits (R32, factory setting)")
    p.add_argument("--link-code", default="", help="register by link code instead (R33)")
    p.add_argument("--speaker", action="store_true", help="also link a speaker user (R38, R62)")
    p.add_argument("--speaker-nickname", default="")
    p.add_argument("--google-account", default="", help="default: <local part>@gmail.com")
    p.add_argument("--search-tries", type=int, default=3)
    return p.parse_args(argv)


# ---- the LAN ------------------------------------------------------------------------------
def ssdp_search(args):
    """DOMAIN R30: M-SEARCH on the home LAN; the first answer's LOCATION, or None (R31)."""
    request = ("M-SEARCH * HTTP/1.1\r\n"
               f"HOST: 239.255.255.250:{args.ssdp_port}\r\n"
               'MAN: "ssdp:discover"\r\n'
               "MX: 1\r\n"
               f"ST: {SEARCH_TARGET}\r\n\r\n").encode()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(args.interface))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL,
                        0 if args.interface.startswith("127.") else 2)
        sock.bind((args.interface, 0))
        for attempt in range(max(1, args.search_tries)):
            sock.sendto(request, (args.ssdp_address, args.ssdp_port))
            deadline = time.monotonic() + 1.0 + attempt
            while time.monotonic() < deadline:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    data, _ = sock.recvfrom(4096)
                except socket.timeout:
                    break
                text = data.decode("utf-8", "replace")
                if not text.startswith("HTTP/1.1 200") or SEARCH_TARGET not in text:
                    continue
                m = re.search(r"^LOCATION:\s*(\S+)", text, re.I | re.M)
                if m:
                    return m.group(1)
    finally:
        sock.close()
    return None


def read_description(location):
    with urllib.request.urlopen(location, timeout=5) as r:
        xml = r.read().decode("utf-8", "replace")

    def field(name):
        m = re.search(rf"<{name}>([^<]*)</{name}>", xml)
        return m.group(1).strip() if m else ""
    return {"model": field("modelNumber"), "name": field("modelName"),
            "serial": field("serialNumber"), "url_base": field("URLBase")}


# ---- the cloud ----------------------------------------------------------------------------
def call(cloud, method, path, body=None):
    try:
        return cloud.call(method, path, body)
    except CloudError as e:
        raise Refused(e.code, e.message) from None


def login(cloud, args):
    newest = 0
    try:
        newest = max((s["id"] for s in cloud.call("GET", "/v1/outbox/sms").get("sms", [])),
                     default=0)
    except CloudError:
        pass  # no outbox (a real cloud): only --phone's own messages would help
    doc = call(cloud, "POST", "/v1/club-id/login", {"email": args.email, "password": args.password})
    if "session" not in doc:
        # DOMAIN R22: two-step verification; the code arrives by SMS on this phone.
        say("login asks for the SMS code")
        code = None
        path = "/v1/outbox/sms" + (f"?to={urllib.parse.quote(args.phone)}" if args.phone else "")
        for _ in range(50):
            sms = [s for s in call(cloud, "GET", path).get("sms", []) if s["id"] > newest]
            m = re.search(r"(\d{6})", sms[-1]["text"]) if sms else None
            if m:
                code = m.group(1)
                break
            time.sleep(0.1)
        if code is None:
            raise Refused("sms_not_received", "no SMS with a code reached this phone")
        doc = call(cloud, "POST", "/v1/club-id/login/sms", {"challenge": doc["challenge"],
                                                              "code": code})
    cloud.token = doc["session"]
    say(f"logged in {args.email}")


def register_phone(cloud, args, device_code):
    if args.link_code:
        body = {"nickname": args.nickname, "device_code": device_code,
                "link_code": args.link_code, "terms_agreed": True}  # DOMAIN R33
    else:
        password = args.access_password
        if password is None:
            password = "".join(c for c in device_code if c.isdigit())  # DOMAIN R32
        body = {"nickname": args.nickname, "device_code": device_code,
                "access_password": password}
    doc = call(cloud, "POST", "/v1/app/phones", body)
    say(f"phone registered {doc.get('phone_id', '?')} on {doc.get('device_code', device_code)}")
    if doc.get("other_users"):
        say(f"other users on the unit: {', '.join(doc['other_users'])}")  # DOMAIN R34
    return doc


def register_server_service(cloud, device_code):
    # DOMAIN R35/R37/R54: household settings, the confirmation code, typed back.
    doc = call(cloud, "POST", f"/v1/server-service/{device_code}/registration",
               {"household": HOUSEHOLD})
    call(cloud, "POST", f"/v1/server-service/{device_code}/confirm",
         {"confirmation_code": doc["confirmation_code"]})
    say(f"server service registered, confirmation code {doc['confirmation_code']}")


def link_speaker(cloud, args):
    """DOMAIN R62: nickname, privacy policy, appliances, Google linking, terms."""
    nickname = args.speaker_nickname or args.nickname
    call(cloud, "POST", "/v1/speaker/registration", {"nickname": nickname})
    doc = call(cloud, "POST", "/v1/speaker/registration/privacy-policy", {"accept": True})
    keys = [a["key"] for a in doc.get("appliances", []) if a.get("class") in VOICE_CLASSES]
    if not keys:
        raise Refused("speaker_no_appliances", "the unit has no appliance for voice control")
    call(cloud, "PUT", "/v1/speaker/registration/appliances", {"appliances": keys})
    say(f"speaker appliances chosen: {len(keys)}")
    account = args.google_account or args.email.split("@")[0] + "@gmail.com"
    # The Google Home app's account linking: consent with our CLUB ID login, then the token.
    form = {**{k: GOOGLE[k] for k in ("client_id", "redirect_uri")}, "response_type": "code",
            "state": "dut-app", "decision": "allow", "google_account": account,
            "email": args.email, "password": args.password}
    a = cloud.raw("POST", "/oauth/authorize", form)
    location = a.headers.get("location", "")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    if a.status != 302 or "code" not in query:
        err = query.get("error", [""])[0]
        try:
            err = err or a.json().get("error", "")
            if isinstance(err, dict):
                err = err.get("code", "")
        except ValueError:
            pass
        raise Refused(err or f"http_{a.status}", "Google account linking refused")
    call(cloud, "POST", "/oauth/token", {"grant_type": "authorization_code",
                                         "code": query["code"][0], **GOOGLE})
    say(f"google account linked {account}")
    done = call(cloud, "POST", "/v1/speaker/registration/complete", {"accept_terms": True})
    say(f"speaker user registered {done.get('speaker_user', {}).get('nickname', nickname)}")


def run(args):
    cloud = CloudClient(args.cloud, args.ca or None)
    login(cloud, args)
    location = ssdp_search(args)
    device_code = args.device_code
    if location is None:
        say("unit not found on the LAN")  # DOMAIN R31: search again, or a link code
        if not args.link_code:
            raise Refused("unit_not_found", "no AiSEG2 answered the search")
    else:
        desc = read_description(location)
        say(f"found unit {desc['model']} at {desc['url_base'] or location}")
        if desc["model"] not in MODELS:
            raise Refused("unsupported_model", f"{desc['model']} is not an AiSEG2 (R2)")
        device_code = device_code or desc["serial"]
    if not device_code:
        raise Refused("device_code_unknown", "give --device-code (printed on the unit)")
    doc = register_phone(cloud, args, device_code)
    if not doc.get("server_registered", True):
        register_server_service(cloud, device_code)
    if args.speaker:
        link_speaker(cloud, args)
    users = call(cloud, "GET", "/v1/app/users")
    say(f"users on the unit: {len(users.get('users', []))}")
    say("done")


def main(argv):
    args = parse_args(argv)
    try:
        run(args)
    except Refused as e:
        say(f"refused {e.code}" + (f": {e.message}" if e.message else ""))
        return 1
    except (OSError, ValueError) as e:
        say(f"failed: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
