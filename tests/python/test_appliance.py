"""Appliance: read properties, change them as a person would, switch power;
the Modbus bench's channels."""

import pytest

import hemsrig
from conftest import DEMO_HOUSE

pytestmark = pytest.mark.world(DEMO_HOUSE)


def test_get_reads_the_world_files_initial_values(world):
    ac = world.appliance("living_ac")
    assert ac.eoj == "0x013001" and ac.class_code == 0x0130
    assert ac.name == "リビングエアコン"
    assert ac.get(0x80) == b"\x30"
    assert ac.get(0xB3) == bytes([26])
    assert 0xB3 in ac.properties()


def test_get_of_a_property_the_appliance_lacks_is_notfound(world):
    with pytest.raises(hemsrig.NotFound, match="no property 0x"):
        world.appliance("downlight").get(0xE7)


def test_person_at_the_appliance_changes_a_property_and_the_unit_sees_it(world):
    unit = world.unit("hems")
    assert world.run_until(lambda: any(a.name == "ダウンライト" and a.state
                                       for a in unit.appliances()), timeout=600)
    light = world.appliance("downlight")
    assert light.get(0x80) == b"\x31"  # off, as the world file leaves it
    light.set(0x80, 0x30)  # switched on at the wall switch
    assert light.get(0x80) == b"\x30"
    key = unit.appliance_key("downlight")
    assert world.run_until(
        lambda: any(e.kind == "state_changed" and e.appliance == key and e.epc == 0x80
                    and e.new == b"\x30" for e in world.events), timeout=600)


def test_value_outside_the_profile_is_refused(world):
    ac = world.appliance("living_ac")
    with pytest.raises(hemsrig.Refused) as e:
        ac.set(0xB3, 99)  # set temperature 0..50
    assert e.value.code and e.value.rule is None
    assert ac.get(0xB3) == bytes([26])  # nothing lost


def test_power_off_and_on_switches_the_node(world):
    heater = world.appliance("water_heater")
    assert heater.powered
    heater.power_off()
    assert not heater.powered
    heater.power_on()
    assert heater.powered


def test_bench_channels_switch_the_unit(world):
    bench = world.bench
    assert bench is not None and bench.port > 0
    assert bench.channels[0] == "hems"
    unit = world.unit("hems")
    bench.switch("hems", False)
    assert not unit.powered and not bench.is_on("hems")
    bench.switch("hems", True)
    assert unit.powered
    with pytest.raises(hemsrig.NotFound):
        bench.switch("nothing", True)
