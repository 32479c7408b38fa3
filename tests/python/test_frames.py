"""World.frames(): the ECHONET Lite frames a test can assert on, as `frame` checks see them."""

import pytest

from conftest import DEMO_HOUSE

pytestmark = pytest.mark.world(DEMO_HOUSE)


def test_the_unit_discovers_by_multicast_and_appliances_answer(world):
    world.advance(minutes=2)
    searches = world.frames(source="hems", esv="Get", epc=0xD6)
    assert searches, "the unit sent no discovery Get of 0xD6"
    assert searches[0].destination == "224.0.23.0:3610"
    assert searches[0].seoj == "0x05FF01" and searches[0].deoj == "0x0EF001"
    answers = world.frames(source="living_ac", esv="Get_Res", epc=0xD6)
    assert answers, "the air conditioner's node never answered the discovery"
    epc, edt = answers[0].properties[0]
    assert epc == 0xD6 and edt[0] >= 1  # instance count, then the EOJs


def test_a_set_from_the_unit_shows_as_setc_with_its_value(world):
    world.advance(minutes=5)
    unit = world.unit("hems")
    world.clear_frames()
    unit.control("living_ac", 0x80, 0x31)
    world.advance(seconds=30)
    sets = world.frames(source="hems", destination="living_ac", esv="SetC", epc=0x80)
    assert [(e, v) for f in sets for e, v in f.properties] == [(0x80, b"\x31")]
    assert world.frames(source="living_ac", esv="Set_Res", epc=0x80)
    assert all(f.t >= 0 for f in sets)


def test_filters_that_match_nothing_give_an_empty_list(world):
    world.advance(minutes=1)
    assert world.frames(source="127.255.255.254") == []
    assert world.frames(esv="NoSuchService") == []
