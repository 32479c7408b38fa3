"""A small HTTP(S) JSON client of the vendor cloud, for the reference DUTs.

Speaks only the public wire API (docs/cloud-api.md, docs/unit-channel.md):
one connection per call, HTTPS verified against the rig's test CA (--ca), the
cloud's error body `{"error": {"code", "message"}}` turned into a CloudError.
"""
import http.client
import json
import ssl
import urllib.parse


class CloudError(Exception):
    """A refusal (status + the cloud's error code) or a transport failure (status 0)."""

    def __init__(self, status, code, message=""):
        super().__init__(f"{status} {code}: {message}" if message else f"{status} {code}")
        self.status, self.code, self.message = status, code, message


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else {}


class CloudClient:
    def __init__(self, base_url, ca_file=None, token=None):
        u = urllib.parse.urlsplit(base_url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"cloud URL {base_url!r} is not http(s)://host:port")
        self.scheme, self.host = u.scheme, u.hostname
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.prefix = u.path.rstrip("/")
        self.token = token
        self.context = None
        if self.scheme == "https":
            # Trust exactly the rig's test CA when given (docs/tls.md), else the system's.
            self.context = ssl.create_default_context(cafile=ca_file) if ca_file else \
                ssl.create_default_context()

    def _connection(self, timeout):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=self.context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def raw(self, method, path, body=None, headers=None, timeout=10.0):
        """One request; Answer for any HTTP status, CloudError(0, 'offline'|'tls') otherwise."""
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        conn = self._connection(timeout)
        try:
            conn.request(method, self.prefix + path, body=data, headers=h)
            r = conn.getresponse()
            return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        except ssl.SSLError as e:
            raise CloudError(0, "tls", str(e)) from None
        except (OSError, http.client.HTTPException) as e:
            raise CloudError(0, "offline", f"{self.host}:{self.port}: {e}") from None
        finally:
            conn.close()

    def call(self, method, path, body=None, timeout=10.0):
        """JSON call: the answer's object on 2xx, else CloudError with the cloud's code."""
        a = self.raw(method, path, body, timeout=timeout)
        try:
            doc = a.json()
        except ValueError:
            doc = {}
        if 200 <= a.status < 300:
            return doc
        err = doc.get("error", {}) if isinstance(doc, dict) else {}
        if isinstance(err, str):  # OAuth-style bodies
            raise CloudError(a.status, err, doc.get("error_description", ""))
        raise CloudError(a.status, err.get("code", f"http_{a.status}"), err.get("message", ""))
