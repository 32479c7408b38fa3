"""Unit: firmware, server-service screens, link codes, scenes, names, power."""

import pytest

import hemsrig
from conftest import DEMO_HOUSE

pytestmark = pytest.mark.world(DEMO_HOUSE)


def ready(world, unit, count=8):
    """Runs until the unit has found and read every appliance of the house."""
    assert world.run_until(lambda: len(unit.appliances()) >= count and
                           all(a.state for a in unit.appliances()), timeout=600)


def test_unit_identity(world):
    unit = world.unit("hems")
    assert unit.model == "MKN704"
    assert unit.device_code == "99999-50072"
    assert unit.firmware.version == "Ver.2.97I-03"
    assert unit.powered and unit.up
    assert unit.web_url.startswith("http://127.0.0.1:")


def test_unit_finds_every_appliance_with_its_name(world):
    unit = world.unit("hems")
    ready(world, unit)
    names = {a.name for a in unit.appliances()}
    assert {"リビングエアコン", "ダウンライト", "エコキュート"} <= names
    ac = unit.appliance_key("living_ac")
    assert ac == world.appliance("living_ac").address + "/0x013001"


def test_firmware_update_checks_installs_and_reboots_into_the_new_version(world):
    # DOMAIN R11, R12: check -> update available -> install (30 min) -> reboot.
    unit = world.unit("hems")
    fw = unit.firmware
    fw.check()
    assert world.run_until(lambda: fw.state != "checking", timeout=60)
    assert fw.available == "Ver.2.98A-03"
    assert fw.release_notes == "不具合を修正しました。"
    fw.install()
    assert world.run_until(lambda: fw.version == "Ver.2.98A-03" and unit.up, timeout=3600)
    kinds = [e.kind for e in fw.events]
    assert kinds[-5:] == ["update_available", "install_started", "installed", "shutting_down",
                          "booted"]
    assert fw.events[-1].version == "Ver.2.98A-03"


def test_firmware_install_without_an_update_is_refused(world):
    with pytest.raises(hemsrig.Refused) as e:
        world.unit("hems").firmware.install()
    assert e.value.code


def test_wrong_device_code_is_refused_citing_r51(world):
    ss = world.unit("hems").server_service
    assert ss.open().id == "device_code_entry"
    with pytest.raises(hemsrig.Refused) as e:
        ss.enter_device_code("12345-67890")
    assert e.value.rule == "R51"
    assert e.value.code == "device_code_mismatch"
    assert ss.current == "device_code_entry"  # the gate stays shut


def register(unit):
    """DOMAIN R54: the registration flow on the unit, screen by screen."""
    ss = unit.server_service
    ss.open()
    assert ss.enter_device_code("9999950072").id == "settings"
    assert ss.press("new_registration").id == "registration_notes"
    ss.press("ok")
    ss.press("next")
    issued = ss.press("agree_and_next")
    assert issued.id == "confirmation_code_issued"
    code = issued.fields["confirmation_code"]
    ss.press("next")
    with pytest.raises(hemsrig.Refused) as e:
        ss.enter_confirmation_code("000000" if code != "000000" else "111111")
    assert e.value.rule == "R54" and e.value.code == "confirmation_code_mismatch"
    assert ss.enter_confirmation_code(code).id == "household_info"
    with pytest.raises(hemsrig.Refused) as e:
        ss.enter_household(prefecture="大阪府")
    assert e.value.code == "household_incomplete"
    confirm = ss.enter_household(prefecture="大阪府", region="大阪府", municipality="門真市",
                                 household_size=4, building="detached",
                                 energy="electricity_only")
    assert confirm.id == "confirm"
    guide = ss.press("決定")  # a label works as well as a name
    assert guide.id == "service_guide" and ss.registered
    ss.press("finish")
    return ss


def test_registration_then_a_link_code_that_expires_after_an_hour(world):
    unit = world.unit("hems")
    ss = register(unit)
    ss.press("app_settings")
    screen = ss.issue_link_code("taro@example.jp")
    assert screen.id == "link_code_issued"
    code = screen.fields["link_code"]
    assert unit.link_codes.live_code("taro@example.jp").code == code
    world.advance(hours=1)  # DOMAIN R53: valid for 1 hour
    with pytest.raises(hemsrig.Refused) as e:
        unit.link_codes.consume(code)
    assert e.value.rule == "R53" and e.value.code == "link_code_expired"


def test_link_code_is_single_use(world):
    unit = world.unit("hems")
    ss = register(unit)
    ss.press("app_settings")
    code = ss.issue_link_code("hanako@example.jp").fields["link_code"]
    used = unit.link_codes.consume(code, "hanako@example.jp")
    assert used.code == code and used.club_id == "hanako@example.jp"
    with pytest.raises(hemsrig.Refused) as e:
        unit.link_codes.consume(code)
    assert (e.value.rule, e.value.code) == ("R53", "link_code_used")


def test_unknown_button_is_a_valueerror(world):
    with pytest.raises(ValueError, match="no button 'fly'"):
        world.unit("hems").server_service.press("fly")


def test_voice_scene_name_with_a_digit_is_refused_citing_r72(world):
    unit = world.unit("hems")
    ready(world, unit)
    with pytest.raises(hemsrig.Refused) as e:
        unit.voice_scenes.add("照明1", {"living_ac": {0x80: b"\x30"}})
    assert e.value.rule == "R72" and e.value.code == "scene_name_digit"
    assert "照明1" in e.value.message


def test_voice_scene_with_a_lighting_scene_runs_and_sets_the_appliances(world):
    # DOMAIN R73: the lighting scene exists first; R70: the run sets every appliance.
    unit = world.unit("hems")
    ready(world, unit)
    unit.lighting_scenes.add("団らん", "living_lighting", 2)
    assert [s.name for s in unit.lighting_scenes.all()] == ["団らん"]
    unit.voice_scenes.add("帰宅", {"living_lighting": "団らん",
                                  "living_ac": {0x80: b"\x30", 0xB3: 24}})
    assert unit.voice_scenes.names == ["帰宅"]
    run = unit.voice_scenes.run("帰宅")
    assert run.scene == "帰宅" and run.all_ok, [(e.appliance, e.status, e.error) for e in run.entries]
    assert [e.status for e in run.entries] == ["done", "done"] or all(
        e.status.lower() == "done" for e in run.entries)
    assert world.appliance("living_lighting").get(0xC0) == b"\x02"
    assert world.appliance("living_ac").get(0xB3) == bytes([24])
    unit.voice_scenes.remove("帰宅")
    with pytest.raises(hemsrig.Refused) as e:
        unit.voice_scenes.run("帰宅")
    assert e.value.code == "voice_scene_unknown"


def test_lighting_scene_missing_for_voice_scene_is_refused_citing_r73(world):
    unit = world.unit("hems")
    ready(world, unit)
    with pytest.raises(hemsrig.Refused) as e:
        unit.voice_scenes.add("おやすみ", {"living_lighting": "ない"})
    assert e.value.rule == "R73" and e.value.code == "lighting_scene_missing"


def test_renaming_to_a_name_with_digits_gives_a_lint_warning(world):
    # DOMAIN R65: digits in a name may be misrecognised by the speaker.
    unit = world.unit("hems")
    ready(world, unit)
    assert not [w for w in unit.lint() if w.code == "name_has_digits"]
    unit.rename("downlight", "照明01")
    warnings = [w for w in unit.lint() if w.code == "name_has_digits"]
    assert len(warnings) == 1 and warnings[0].name == "照明01"
    assert warnings[0].key == unit.appliance_key("downlight")
    assert "R65" in warnings[0].message


def test_control_through_the_unit_reaches_the_appliance(world):
    unit = world.unit("hems")
    ready(world, unit)
    assert world.appliance("downlight").get(0x80) == b"\x31"  # off
    result = unit.control("downlight", 0x80, 0x30)
    assert result["outcome"] == "accepted"
    assert world.appliance("downlight").get(0x80) == b"\x30"
    assert result["state_after"][0x80] == b"\x30"


def test_power_cycle_boots_the_unit_and_it_drives_the_house_again(world):
    unit = world.unit("hems")
    ready(world, unit)
    unit.power_off()
    assert not unit.powered and not unit.up
    world.clear_events()
    unit.power_on()  # the unit boots (reboot_time) before its network comes up
    assert unit.powered
    assert world.run_until(lambda: unit.up, timeout=600)
    assert [e.kind for e in unit.firmware.events][-1] == "booted"
    assert len(unit.appliances()) == 8  # the registry survives (the unit's flash)
    booted = world.now
    assert world.run_until(lambda: any(e.kind == "state_changed" and e.t >= booted
                                       for e in world.events), timeout=600)


def test_on_lan_switches(world):
    unit = world.unit("hems")
    assert unit.on_lan
    unit.on_lan = False
    assert not unit.on_lan
