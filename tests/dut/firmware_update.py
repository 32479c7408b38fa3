"""The reference controller's firmware: which version runs, and the update from the catalogue.

The version lives in STATE/firmware.json (the first boot takes --firmware). An
update (DOMAIN R10-R12) asks `/v1/firmware/{model}/latest`, downloads the image
with Range requests into STATE/image-<version>.part (kept across power cuts and
resumed), checks its SHA-256, and "installs" (STATE/installing.json marks it;
a power cut then leaves the old version: dual bank, DOMAIN R12 (rig)).
"""
import hashlib
import json
import os
import re

from cloud_client import CloudError

CHUNK = 16 * 1024


def version_key(version):
    m = re.fullmatch(r"Ver\.(\d+)\.(\d+)([A-Z]?)-(\d+)", version or "")
    if not m:
        return None
    return (int(m.group(1)), int(m.group(2)), m.group(3), int(m.group(4)))


def is_newer(candidate, current):
    a, b = version_key(candidate), version_key(current)
    if a is None or b is None:
        return bool(candidate) and candidate != current
    return a[:3] > b[:3]


class FirmwareStore:
    """What survives a reboot or a power cut: the running version and a partial download."""

    def __init__(self, state_dir, factory_version):
        self.dir = state_dir
        os.makedirs(state_dir, exist_ok=True)
        self.factory = factory_version

    def _path(self, name):
        return os.path.join(self.dir, name)

    def running_version(self):
        try:
            with open(self._path("firmware.json"), encoding="utf-8") as f:
                return json.load(f)["firmware"]
        except (OSError, ValueError, KeyError):
            return self.factory

    def set_running_version(self, version):
        tmp = self._path("firmware.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"firmware": version}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._path("firmware.json"))

    def interrupted_install(self):
        """The version an install was writing when the power went, once (the mark is removed)."""
        path = self._path("installing.json")
        try:
            with open(path, encoding="utf-8") as f:
                target = json.load(f).get("to", "?")
        except (OSError, ValueError):
            return None
        os.remove(path)
        return target

    def mark_installing(self, version):
        with open(self._path("installing.json"), "w", encoding="utf-8") as f:
            json.dump({"to": version}, f)
            f.flush()
            os.fsync(f.fileno())

    def clear_installing(self):
        try:
            os.remove(self._path("installing.json"))
        except FileNotFoundError:
            pass

    def partial(self, version):
        return self._path(f"image-{re.sub(r'[^A-Za-z0-9.-]', '_', version)}.part")


def download(cloud, store, entry, log, stopping, max_requests=256):
    """Fetches the image of a catalogue entry with Range requests, resuming a partial file.

    Returns the image's path once its SHA-256 matches; raises CloudError otherwise. Each
    request asks for the rest from what is on disk; a bounded number of requests."""
    version, size, url = entry["version"], int(entry["size"]), entry["url"]
    path = store.partial(version)
    have = os.path.getsize(path) if os.path.exists(path) else 0
    if have > size:
        os.remove(path)
        have = 0
    if have:
        log(f"download resumed {version} at {have}/{size}")
    else:
        log(f"download started {version} ({size} bytes)")
    requests = 0
    while have < size:
        if stopping.is_set():
            raise CloudError(0, "stopped", "shutting down")
        requests += 1
        if requests > max_requests:
            raise CloudError(0, "download_stalled", f"{have}/{size} after {max_requests} requests")
        end = min(size, have + 8 * CHUNK) - 1
        a = cloud.raw("GET", url, headers={"Range": f"bytes={have}-{end}",
                                           "Accept": "application/octet-stream"}, timeout=30)
        if a.status == 200:
            body, have = a.body, 0  # the server ignored the range: a whole image
            mode = "wb"
        elif a.status == 206:
            body, mode = a.body, "ab"
            start = int(re.match(r"bytes (\d+)-", a.headers.get("content-range", "bytes 0-"))
                        .group(1))
            if start != have:
                raise CloudError(206, "bad_range", f"asked from {have}, got from {start}")
        else:
            raise CloudError(a.status, "download_failed", a.body[:200].decode("utf-8", "replace"))
        with open(path, mode) as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        have = os.path.getsize(path)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    if entry.get("sha256") and digest.hexdigest() != entry["sha256"].lower():
        os.remove(path)
        raise CloudError(0, "checksum_mismatch", f"{version}: sha256 {digest.hexdigest()}")
    log(f"download complete {version} sha256 ok")
    return path
