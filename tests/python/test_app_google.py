"""The scripted app and Google clients (world.app, world.google): the flows of
the YAML app_* and google_* steps from Python, and their refusals as
hemsrig.Refused with the cloud's code and the DOMAIN rule."""

import pytest

import hemsrig
from conftest import REPO

HOUSE_IN_USE = str(REPO / "scenarios" / "worlds" / "house-in-use.yaml")
pytestmark = pytest.mark.world(HOUSE_IN_USE)

VOICE_APPLIANCES = ["living_ac", "dining_floor_heater", "downlight", "living_lighting"]


def register_server_service(world):
    """DOMAIN R54 on the unit's screens, then the cloud hears of it (R60: a unit in use)."""
    unit = world.unit("hems")
    assert world.run_until(lambda: len(unit.appliances()) >= 8, timeout=600)
    ss = unit.server_service
    ss.open()
    ss.enter_device_code("9999950072")
    for button in ("new_registration", "ok", "next"):
        ss.press(button)
    code = ss.press("agree_and_next").fields["confirmation_code"]
    ss.press("next")
    ss.enter_confirmation_code(code)
    ss.enter_household(prefecture="大阪府", region="大阪府", municipality="門真市",
                       household_size=4, building="detached", energy="electricity_only")
    ss.press("decide")
    ss.press("finish")
    assert ss.registered
    world.advance(minutes=1)  # the unit reports its registration over the unit channel


def app_user(world, app_id="taro", email="taro@example.jp", password="taro1234",
             nickname="たろう"):
    """DOMAIN R30/R32: login, the unit found on the LAN, the phone registered."""
    app = world.app(app_id)
    assert app.login(email=email, password=password)["status"] == 200
    assert app.session
    assert app.find_unit()  # the unit's description URL
    answer = app.register("hems", nickname, access_password="9999950072")
    assert answer["status"] in (200, 201) and app.phone_id
    return app


def speaker_user(world, app, google_id="taro_google", account="taro@gmail.com",
                 email="taro@example.jp", password="taro1234"):
    """DOMAIN R62: nickname, privacy policy, appliances, Google linking, terms."""
    app.call("POST", "/v1/speaker/registration", {"nickname": "たろう"})
    app.call("POST", "/v1/speaker/registration/privacy-policy", {"accept": True})
    app.speaker_appliances(VOICE_APPLIANCES)
    google = world.google(google_id, account=account)
    google.link(email, password)
    done = app.call("POST", "/v1/speaker/registration/complete", {"accept_terms": True})
    assert done["json"]["step"] == "done"
    return google


def test_app_registers_on_the_lan_and_google_drives_the_house_by_voice(world):
    register_server_service(world)
    app = app_user(world)
    assert app.last["status"] in (200, 201) and app.last["error"] is None
    google = speaker_user(world, app)
    assert google.linked and google.account == "taro@gmail.com"
    sync = google.sync()
    assert len(sync["payload"]["devices"]) == 4
    assert {d["name"] for d in google.devices} == {
        "リビングエアコン", "ダイニング床暖房", "ダウンライト", "リビング照明"}  # DOMAIN R65

    outcome = google.say("ダウンライトをつけて")
    assert outcome["status"] == "SUCCESS" and outcome["device"] == "ダウンライト"
    assert world.appliance("downlight").get(0x80) == b"\x30"
    assert google.last["step"] == "say" and google.last["error"] == ""

    light = next(d["id"] for d in google.devices if d["name"] == "ダウンライト")
    world.advance(minutes=1)  # the unit reports the new state to the cloud
    state = google.query([light])
    assert state["payload"]["devices"][light]["on"] is True

    google.disconnect()
    assert not google.linked


def test_refusals_raise_refused_with_the_code_and_the_rule(world):
    register_server_service(world)
    app = world.app("taro")
    with pytest.raises(hemsrig.Refused) as e:
        app.login(email="taro@example.jp", password="wrong1234")
    assert e.value.code == "login_failed"
    assert app.last["status"] >= 400 and app.last["error"] == "login_failed"

    app.login(email="taro@example.jp", password="taro1234")
    with pytest.raises(hemsrig.Refused) as e:
        app.register("hems", "たろう", access_password="0000000000")
    assert (e.value.code, e.value.rule) == ("wrong_access_password", "R32")
    assert "R32" in e.value.message

    # check=False gives the refusal as an answer instead.
    answer = app.call("POST", "/v1/app/phones",
                      {"nickname": "たろう", "device_code": "9999950072",
                       "access_password": "0000000000"}, check=False)
    assert answer["status"] >= 400

    # DOMAIN R62: linking Google before choosing the appliances for voice is refused.
    google = world.google("g")
    with pytest.raises(hemsrig.Refused) as e:
        google.link("taro@example.jp", "taro1234")
    assert e.value.code == "speaker_registration_missing"
    assert not google.linked and google.last["error"] == "speaker_registration_missing"


def test_second_google_account_for_one_club_id_is_refused_citing_r61(world):
    register_server_service(world)
    app = app_user(world)
    speaker_user(world, app)
    other = world.google("other", account="taro.other@gmail.com")
    with pytest.raises(hemsrig.Refused) as e:
        other.link("taro@example.jp", "taro1234")
    assert (e.value.code, e.value.rule) == ("google_account_already_linked", "R61")


def test_a_generic_device_unknown_to_google_is_refused(world):
    register_server_service(world)
    app = app_user(world)
    google = speaker_user(world, app)
    with pytest.raises(hemsrig.Refused) as e:
        google.say("エコキュートをつけて")  # not chosen for voice (R62)
    assert e.value.code == "device_unknown"


def test_an_app_needs_a_started_world_with_a_cloud(world_factory):
    stopped = world_factory(HOUSE_IN_USE, start=False)
    with pytest.raises(hemsrig.HemsrigError) as e:
        stopped.app("taro").login(email="taro@example.jp", password="taro1234")
    assert e.value.code == "not_started"
    no_cloud = world_factory(yaml="""
world: no-cloud
appliances:
  - {id: lamp, class: general_lighting}
""")
    with pytest.raises(hemsrig.HemsrigError) as e:
        no_cloud.google("g")
    assert e.value.code == "no_cloud"


def test_the_same_id_is_the_same_client(world):
    register_server_service(world)
    app = app_user(world)
    assert world.app("taro").phone_id == app.phone_id
    world.google("g", account="taro@gmail.com")
    with pytest.raises(hemsrig.HemsrigError) as e:
        world.google("g", account="someone.else@gmail.com")
    assert e.value.code == "invalid_argument"
