"""`hemsrig serve --cloud-tls` of the demo house serves the mock cloud over HTTPS (as a world's
`cloud: tls: true` does): it prints the cloud's https:// URL and the test CA's file (endpoint
`cloud-ca`); curl and openssl trust the cloud with that file and refuse it without;
`hemsrig ca export --state DIR` exports the very CA that `serve --state DIR` served with."""
import subprocess
from pathlib import Path

from served import DEMO_HOUSE as DEMO, HEMSRIG, Served


def curl(*args):
    return subprocess.run(["curl", "-sS", "--max-time", "5", "--noproxy", "*", *map(str, args)],
                          capture_output=True, text=True, timeout=30)


def test_serve_prints_the_https_cloud_and_its_ca_which_curl_and_openssl_trust(tmp_path):
    with Served(DEMO, "--cloud-tls", "--base-address", "127.74.1.0", "--state", tmp_path) as s:
        url = s.endpoint("cloud")
        assert url.startswith("https://127.0.0.1:"), url
        ca = Path(s.endpoint("cloud-ca"))
        assert ca == tmp_path / "tls" / "ca.pem"
        trusted = curl("--cacert", ca, url + "/openapi.json")
        assert trusted.returncode == 0, trusted.stderr
        assert '"openapi"' in trusted.stdout
        untrusted = curl(url + "/openapi.json")
        assert untrusted.returncode == 60, untrusted  # CURLE_PEER_FAILED_VERIFICATION
        plain = curl(url.replace("https://", "http://") + "/openapi.json")
        assert plain.returncode != 0 and '"openapi"' not in plain.stdout
        host_port = url[len("https://"):]
        verify = subprocess.run(["timeout", "5", "openssl", "s_client", "-connect", host_port,
                                 "-CAfile", str(ca), "-verify_ip", "127.0.0.1",
                                 "-verify_return_error"],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=30)
        assert "Verify return code: 0 (ok)" in verify.stdout, verify.stdout + verify.stderr
        # The cloud survived the refused and the plain-HTTP clients.
        again = curl("--cacert", ca, url + "/v1/firmware/MKN704/latest")
        assert again.returncode == 0 and "Ver.2.98A-03" in again.stdout, again
        served_pem = ca.read_text()
        assert s.stop() == 0
    # What a phone or firmware is told to trust: the CA serve used, also after serve stopped.
    exported = subprocess.run([HEMSRIG, "ca", "export", "--state", str(tmp_path)],
                              capture_output=True, text=True, timeout=30)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == served_pem
    # A restarted rig serves with the same CA.
    with Served(DEMO, "--cloud-tls", "--base-address", "127.74.2.0", "--state", tmp_path) as s:
        assert Path(s.endpoint("cloud-ca")).read_text() == served_pem
        assert curl("--cacert", tmp_path / "tls" / "ca.pem",
                    s.endpoint("cloud") + "/openapi.json").returncode == 0


def test_without_state_the_ca_file_lives_as_long_as_serve():
    with Served(DEMO, "--cloud-tls", "--base-address", "127.74.3.0") as s:
        ca = Path(s.endpoint("cloud-ca"))
        assert ca.is_file()
        assert curl("--cacert", ca, s.endpoint("cloud") + "/openapi.json").returncode == 0
        assert s.stop() == 0
    assert not ca.exists()
    assert not ca.parent.exists()


def test_plain_demo_house_has_no_ca_and_cloud_tls_needs_a_cloud(tmp_path):
    with Served(DEMO, "--base-address", "127.74.4.0") as s:
        assert s.endpoint("cloud").startswith("http://127.0.0.1:")
        assert not [l for l in s.lines if l.startswith("cloud-ca ")]
    world = tmp_path / "no-cloud.yaml"
    world.write_text("world: w\nappliances: []\n")
    r = subprocess.run([HEMSRIG, "serve", str(world), "--cloud-tls", "--for", "1s"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "--cloud-tls" in r.stderr and "cloud:" in r.stderr
