"""The reference app DUT (app.py) against `hemsrig serve` of a house with a simulated unit:
the app logs in, finds the unit by SSDP, registers a phone, links a speaker user. Checked
through the cloud's public API with the user's own login, not through what the app prints.

Run: /usr/bin/python3 -m pytest tests/dut/test_app.py (HEMSRIG_BIN=path/to/hemsrig).
"""
import pytest

from conftest import HERE, Dut, serve_world, wait_for

WORLD = HERE / "worlds" / "app-house.yaml"
DEVICE_CODE, DIGITS = "99999-50072", "9999950072"


@pytest.fixture(params=["http", "https"])
def house(request, tmp_path):
    with serve_world(WORLD, request.param, tmp_path) as served:
        # The unit is in use: online with the cloud and its three appliances found (DOMAIN R60).
        # At least three: other worlds on this host share the loopback multicast group.
        wait_for("the cloud knows the unit online with its 3 appliances",
                 lambda: (u := served.cloud().call("GET", f"/v1/units/{DIGITS}"))["online"] and
                 len(u["appliances"]) >= 3)
        yield served


def run_app(house, *args, ssdp_port=1900):
    extra = ["--ca", house.ca_file] if house.ca_file else []
    app = Dut("app.py", ["--cloud", house.cloud_url, "--ssdp-port", ssdp_port, *extra, *args])
    return app.wait_exit(timeout=60), app


def logged_in(house, email, password):
    cloud = house.cloud()
    cloud.token = cloud.call("POST", "/v1/club-id/login",
                             {"email": email, "password": password})["session"]
    return cloud


def test_registers_a_phone_on_the_unit_it_found_on_the_lan(house):
    # DOMAIN R30, R32: found by SSDP; device code + the factory access password.
    rc, app = run_app(house, "--email", "taro@example.jp", "--password", "taro1234",
                      "--nickname", "たろうのスマホ", "--device-code", DEVICE_CODE)
    assert rc == 0, app.lines
    assert app.said("^found unit MKN704 at http://127.0.0.1:")
    phones = logged_in(house, "taro@example.jp", "taro1234").call("GET", "/v1/app/phones")
    assert [(p["nickname"], p["device_code"]) for p in phones["phones"]] == \
        [("たろうのスマホ", DIGITS)]
    # The unit had no server service: the app registered it (R35, R37, R54).
    status = house.cloud().call("GET", f"/v1/units/{DIGITS}")["server_service"]
    assert status["registered"] is True and status["confirmed"] is True


def test_a_wrong_access_password_is_refused_with_the_clouds_code(house):
    rc, app = run_app(house, "--email", "taro@example.jp", "--password", "taro1234",
                      "--nickname", "たろう", "--device-code", DEVICE_CODE,
                      "--access-password", "0000000000")
    assert rc == 1
    assert app.said("^refused wrong_access_password")  # DOMAIN R32
    phones = logged_in(house, "taro@example.jp", "taro1234").call("GET", "/v1/app/phones")
    assert phones["phones"] == []


def test_logs_in_with_the_sms_code_when_two_step_verification_is_on(house):
    # DOMAIN R22: the code comes by SMS; the app reads it as a test phone would.
    rc, app = run_app(house, "--email", "jiro@example.jp", "--password", "jiro1234",
                      "--phone", "09012345678", "--nickname", "じろう",
                      "--device-code", DEVICE_CODE)
    assert rc == 0, app.lines
    assert app.said("^login asks for the SMS code$")
    sms = house.cloud().call("GET", "/v1/outbox/sms?to=09012345678")["sms"]
    assert len(sms) == 1
    wrong = run_app(house, "--email", "jiro@example.jp", "--password", "wrong1234",
                    "--nickname", "じろう", "--device-code", DEVICE_CODE)
    assert wrong[0] == 1 and wrong[1].said("^refused login_failed")


def test_links_a_speaker_user_for_the_unit(house):
    # DOMAIN R62: nickname, privacy policy, appliances, Google account linking, terms.
    rc, app = run_app(house, "--email", "taro@example.jp", "--password", "taro1234",
                      "--nickname", "たろう", "--device-code", DEVICE_CODE, "--speaker")
    assert rc == 0, app.lines
    cloud = logged_in(house, "taro@example.jp", "taro1234")
    assert [u["nickname"] for u in cloud.call("GET", "/v1/speaker/unit/users")["users"]] == \
        ["たろう"]
    me = cloud.call("GET", "/v1/speaker/me")
    # The smart meter cannot be chosen for voice; the air conditioner and the light are.
    assert me["google_linked"] is True
    assert me["appliances"] == ["127.60.2.1/0x013001", "127.60.2.2/0x029001"]
    assert app.said("^google account linked taro@gmail.com$")


def test_a_unit_not_on_the_lan_is_not_registered(house):
    # DOMAIN R31: nobody answers the search: the "not found" screen, nothing registered.
    rc, app = run_app(house, "--email", "hanako@example.jp", "--password", "hanako123",
                      "--nickname", "はなこ", "--device-code", DEVICE_CODE,
                      "--search-tries", "1", ssdp_port=9)
    assert rc == 1
    assert app.said("^refused unit_not_found")
    phones = logged_in(house, "hanako@example.jp", "hanako123").call("GET", "/v1/app/phones")
    assert phones["phones"] == []


def test_an_unknown_link_code_is_refused(house):
    # DOMAIN R33, R53: a link code this unit never issued for this CLUB ID.
    rc, app = run_app(house, "--email", "hanako@example.jp", "--password", "hanako123",
                      "--nickname", "はなこ", "--device-code", DEVICE_CODE,
                      "--link-code", "1234567890")
    assert rc == 1
    assert app.said("^refused link_code_invalid")
