"""The shared serve fixture (tests/support/served.py) every Python suite starts serve with: a
start that fails says why and leaves no process behind, endpoints come parsed, and the output
after `ready` is still collected."""
import os
import signal

import pytest

from served import DEMO_HOUSE, Served, ServeFailed, parse_endpoint


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_broken_world_fails_the_start_with_serves_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("world: w\nappliances: 7\n")
    with pytest.raises(ServeFailed) as failed:
        Served(bad)
    assert f"{bad}:2:" in str(failed.value)
    assert "(exit 2)" in str(failed.value)


@pytest.mark.parametrize("trap, ended_by", [("", signal.SIGTERM),
                                             ("trap '' TERM", signal.SIGKILL)])
def test_a_serve_that_never_says_ready_is_stopped(tmp_path, trap, ended_by):
    # A stand-in for a serve that hangs before `ready`: prints an endpoint, then nothing; the
    # stubborn one ignores SIGTERM (an ignored signal stays ignored across exec).
    hung = tmp_path / "hung-serve"
    hung.write_text(f"#!/bin/sh\n{trap}\necho 'cloud cloud http://127.0.0.1:9 mock'\n"
                    "exec sleep 60\n")
    hung.chmod(0o755)
    with pytest.raises(ServeFailed) as failed:
        Served(DEMO_HOUSE, binary=hung, ready_timeout=0.5)
    assert "never said ready" in str(failed.value)
    assert "cloud cloud http://127.0.0.1:9 mock" in str(failed.value)
    assert f"(exit {-ended_by})" in str(failed.value)  # ended, not left running


def test_endpoints_are_parsed_and_the_output_after_ready_is_kept():
    with Served(DEMO_HOUSE, "--base-address", "127.73.6.0") as s:
        assert s.endpoint("aiseg2-unit", "hems") == "127.73.6.9:3610"
        assert s.endpoint("cloud") == s.cloud_url and s.cloud_url.startswith("http://127.0.0.1:")
        assert s.ca_file == ""
        assert len(s.addresses("echonet-node")) == 8
        with pytest.raises(AssertionError):
            s.endpoint("echonet-node")  # eight of them: not one
        pid = s.proc.pid
        assert s.stop() == 0
        assert s.after_ready() == "stopped"
    assert gone(pid)


def test_parse_endpoint_splits_kind_ident_address_and_detail():
    e = parse_endpoint("aiseg2-web hems http://127.0.0.1:41301 digest auth user aiseg")
    assert e == ("aiseg2-web", "hems", "http://127.0.0.1:41301", "digest auth user aiseg")
    assert parse_endpoint("ready") is None
