"""`hemsrig ca export`: the test CA a real app or firmware is told to trust."""
import subprocess

from served import run


def test_export_keeps_one_ca_in_the_state_folder(tmp_path):
    state = tmp_path / "state"
    out = tmp_path / "ca.pem"
    first = run("ca", "export", "--state", state, "--out", out)
    assert first.returncode == 0, first.stderr
    pem = out.read_text()
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert (state / "tls" / "ca.pem").read_text() == pem
    assert (state / "tls" / "ca-key.pem").stat().st_mode & 0o077 == 0
    # A second run (a restarted rig) exports the same CA, to stdout without --out.
    again = run("ca", "export", "--state", state)
    assert again.returncode == 0, again.stderr
    assert again.stdout == pem
    text = subprocess.run(["openssl", "x509", "-noout", "-text"], input=pem, capture_output=True,
                          text=True).stdout
    assert "CA:TRUE" in text


def test_export_without_state_warns_that_the_ca_is_not_kept():
    r = run("ca", "export")
    assert r.returncode == 0
    assert r.stdout.startswith("-----BEGIN CERTIFICATE-----")
    assert "--state" in r.stderr


def test_broken_state_fails_with_a_message(tmp_path):
    (tmp_path / "tls").mkdir()
    (tmp_path / "tls" / "ca.pem").write_text("garbage")
    r = run("ca", "export", "--state", tmp_path)
    assert r.returncode == 1
    assert "ca-key.pem" in r.stderr
    assert (tmp_path / "tls" / "ca.pem").read_text() == "garbage"


def test_ca_needs_a_subcommand_and_has_help():
    assert run("ca").returncode == 2
    h = run("ca", "export", "--help")
    assert h.returncode == 0 and "--state" in h.stdout
