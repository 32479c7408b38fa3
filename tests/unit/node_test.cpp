// The node runtime against the response rules of the ECHONET Lite
// specification (Part 2, 4.2.2-4.2.3), over real loopback UDP sockets with a
// plain socket as the controller.
#include "devices/echonet/node.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "sim/echonet/property_map.hpp"
#include "sim/net/udp_fabric.hpp"
#include "tests/unit/wire_client.hpp"

using namespace hemsrig;
using namespace hemsrig::echonet;
using hemsrig::testing::Received;
using hemsrig::testing::WireClient;

namespace {

constexpr Eoj kController{0x05, 0xFF, 0x01};
constexpr Eoj kAirConditioner{0x01, 0x30, 0x01};

class NodeOnWire : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(ProfileLibrary::bundled_dir()).ok());
    // Each test gets its own /24 so parallel test processes never share addresses.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    subnet_ = static_cast<std::uint8_t>(1 + std::hash<std::string>{}(info->name()) % 250);
    engine_ = std::make_unique<sim::Engine>(sim::EngineOptions{.mode = sim::ClockMode::Realtime});
    auto fabric = sim::UdpFabric::create(*engine_);
    ASSERT_TRUE(fabric.ok()) << fabric.error().message;
    fabric_ = std::move(*fabric);
    node_ = std::make_unique<Node>(
        *engine_, *fabric_, lib_,
        NodeOptions{.address = addr(1),
                    .name = "node",
                    .multicast_answer_spread = std::chrono::milliseconds(0)});
    auto ac = node_->add_object(0x0130);
    ASSERT_TRUE(ac.ok());
    ac_ = *ac;
    client_ = std::make_unique<WireClient>(*engine_, addr(200));
  }

  sim::Ipv4 addr(std::uint8_t host) const { return sim::Ipv4({127, 61, subnet_, host}); }
  sim::UdpEndpoint node_ep() const { return {addr(1), kPort}; }
  sim::UdpEndpoint group() const { return {sim::Ipv4({224, 0, 23, 0}), kPort}; }

  void power_on() { ASSERT_TRUE(node_->power_on().ok()); }

  // Sends `f` and waits for the answer carrying its TID from the node.
  std::optional<Received> ask(Frame f, std::optional<sim::UdpEndpoint> to = std::nullopt) {
    f.tid = tid_++;
    client_->send(to.value_or(node_ep()), f);
    const std::uint16_t tid = f.tid;
    return client_->await(
        [&](const Received& r) { return r.from.address == addr(1) && r.frame.tid == tid; });
  }

  std::optional<Received> await_from_node(std::function<bool(const Received&)> want,
                                          int ms = 2000) {
    return client_->await([&](const Received& r) { return r.from.address == addr(1) && want(r); },
                          std::chrono::milliseconds(ms));
  }

  ProfileLibrary lib_;
  std::uint8_t subnet_ = 1;
  std::unique_ptr<sim::Engine> engine_;
  std::unique_ptr<sim::UdpFabric> fabric_;
  std::unique_ptr<Node> node_;
  EchonetObject* ac_ = nullptr;
  std::unique_ptr<WireClient> client_;
  std::uint16_t tid_ = 100;
};

Frame request(Esv esv, Eoj deoj, std::vector<Property> props,
              std::vector<Property> get_props = {}) {
  return Frame{0, kController, deoj, esv, std::move(props), std::move(get_props)};
}

TEST_F(NodeOnWire, AnnouncesItsInstanceListAtBoot) {
  power_on();
  auto inf = await_from_node([](const Received& r) {
    return r.frame.esv == Esv::INF && r.frame.props.size() == 1 && r.frame.props[0].epc == 0xD5;
  });
  ASSERT_TRUE(inf) << "no INF 0xD5 after power on";
  EXPECT_TRUE(inf->multicast);
  EXPECT_EQ(inf->frame.seoj, kNodeProfile);
  EXPECT_EQ(inf->frame.props[0].edt, (Bytes{0x01, 0x01, 0x30, 0x01}));
}

TEST_F(NodeOnWire, GetAnswersEveryReadableProperty) {
  power_on();
  auto r = ask(request(Esv::Get, kAirConditioner, {{0x80, {}}, {0xB3, {}}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame.esv, Esv::Get_Res);
  EXPECT_EQ(r->frame.seoj, kAirConditioner);
  EXPECT_EQ(r->frame.deoj, kController);
  ASSERT_EQ(r->frame.props.size(), 2u);
  EXPECT_EQ(r->frame.props[0], (Property{0x80, {0x31}}));
  EXPECT_EQ(r->frame.props[1].epc, 0xB3);
  EXPECT_EQ(r->frame.props[1].edt.size(), 1u);
}

TEST_F(NodeOnWire, GetWithAnUnreadablePropertyIsGetSnaWithPdcZeroInOrder) {
  power_on();
  auto r = ask(request(Esv::Get, kAirConditioner, {{0x80, {}}, {0x01, {}}, {0xB0, {}}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame.esv, Esv::Get_SNA);
  ASSERT_EQ(r->frame.props.size(), 3u);
  EXPECT_EQ(r->frame.props[0].epc, 0x80);
  EXPECT_EQ(r->frame.props[0].edt.size(), 1u);
  EXPECT_EQ(r->frame.props[1], (Property{0x01, {}}));
  EXPECT_EQ(r->frame.props[2].epc, 0xB0);
  EXPECT_EQ(r->frame.props[2].edt.size(), 1u);
}

TEST_F(NodeOnWire, SetCAcceptedAnswersSetResWithPdcZeroThenAnnounces) {
  power_on();
  auto r = ask(request(Esv::SetC, kAirConditioner, {{0x80, {0x30}}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame.esv, Esv::Set_Res);
  EXPECT_EQ(r->frame.props, (std::vector<Property>{{0x80, {}}}));
  EXPECT_EQ(*ac_->value(0x80), Bytes{0x30});
  // 0x80 is in the announce map (0x9D): a status-change INF follows.
  auto inf = await_from_node(
      [](const Received& r) { return r.frame.esv == Esv::INF && r.frame.seoj == kAirConditioner; });
  ASSERT_TRUE(inf);
  EXPECT_EQ(inf->frame.props, (std::vector<Property>{{0x80, {0x30}}}));
}

TEST_F(NodeOnWire, SetCWithARefusedPropertyIsSetCSnaEchoingOnlyTheRefusedEdt) {
  power_on();
  // 0xB3 temperature 0..50: 99 is out of range; 0x80 0x30 is fine; 0x80 with 2 bytes is the wrong
  // size.
  auto r = ask(
      request(Esv::SetC, kAirConditioner, {{0x80, {0x30}}, {0xB3, {99}}, {0xB0, {0x42, 0x00}}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame.esv, Esv::SetC_SNA);
  ASSERT_EQ(r->frame.props.size(), 3u);
  EXPECT_EQ(r->frame.props[0], (Property{0x80, {}}));
  EXPECT_EQ(r->frame.props[1], (Property{0xB3, {99}}));
  EXPECT_EQ(r->frame.props[2], (Property{0xB0, {0x42, 0x00}}));
  EXPECT_EQ(*ac_->value(0x80), Bytes{0x30});  // the accepted one took effect
  EXPECT_NE(*ac_->value(0xB3), Bytes{99});
}

TEST_F(NodeOnWire, SetOfAReadOnlyPropertyIsRefused) {
  power_on();
  auto r = ask(request(Esv::SetC, kAirConditioner, {{0xBB, {20}}}));  // measured room temperature
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame.esv, Esv::SetC_SNA);
  EXPECT_EQ(r->frame.props, (std::vector<Property>{{0xBB, {20}}}));
}

TEST_F(NodeOnWire, SetIIsAnsweredOnlyOnFailure) {
  power_on();
  client_->send(node_ep(), Frame{7, kController, kAirConditioner, Esv::SetI, {{0xB3, {24}}}, {}});
  auto none = await_from_node(
      [](const Received& r) { return r.frame.tid == 7 && r.frame.esv != Esv::INF; }, 300);
  EXPECT_FALSE(none) << "SetI that succeeded must not be answered";
  EXPECT_EQ(*ac_->value(0xB3), Bytes{24});
  client_->send(
      node_ep(),
      Frame{8, kController, kAirConditioner, Esv::SetI, {{0xB3, {24}}, {0xB3, {200}}}, {}});
  auto sna = await_from_node([](const Received& r) { return r.frame.tid == 8; });
  ASSERT_TRUE(sna);
  EXPECT_EQ(sna->frame.esv, Esv::SetI_SNA);
  EXPECT_EQ(sna->frame.props, (std::vector<Property>{{0xB3, {}}, {0xB3, {200}}}));
}

TEST_F(NodeOnWire, SetGetAnswersEachHalfByItsOwnRule) {
  power_on();
  // Set half all accepted, get half with one unreadable EPC: SetGet_SNA with
  // the set half PDC 0 and the get half carrying values and one PDC 0.
  auto r = ask(request(Esv::SetGet, kAirConditioner, {{0xB3, {22}}}, {{0xB3, {}}, {0x02, {}}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame.esv, Esv::SetGet_SNA);
  EXPECT_EQ(r->frame.props, (std::vector<Property>{{0xB3, {}}}));
  EXPECT_EQ(r->frame.get_props, (std::vector<Property>{{0xB3, {22}}, {0x02, {}}}));
  // Both halves fine: SetGet_Res, and the get half sees the value just set.
  auto ok = ask(request(Esv::SetGet, kAirConditioner, {{0xB3, {23}}}, {{0xB3, {}}}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->frame.esv, Esv::SetGet_Res);
  EXPECT_EQ(ok->frame.get_props, (std::vector<Property>{{0xB3, {23}}}));
}

TEST_F(NodeOnWire, InfReqIsAnsweredByAMulticastInfWithTheRequestersTid) {
  power_on();
  client_->send(node_ep(),
                Frame{0x4242, kController, kAirConditioner, Esv::INF_REQ, {{0x80, {}}}, {}});
  auto inf = await_from_node([](const Received& r) { return r.frame.tid == 0x4242; });
  ASSERT_TRUE(inf);
  EXPECT_EQ(inf->frame.esv, Esv::INF);
  EXPECT_TRUE(inf->multicast);
  client_->send(node_ep(),
                Frame{0x4243, kController, kAirConditioner, Esv::INF_REQ, {{0x03, {}}}, {}});
  auto sna = await_from_node([](const Received& r) { return r.frame.tid == 0x4243; });
  ASSERT_TRUE(sna);
  EXPECT_EQ(sna->frame.esv, Esv::INF_SNA);
  EXPECT_FALSE(sna->multicast);
}

TEST_F(NodeOnWire, FrameToAnObjectTheNodeLacksIsSilentlyDropped) {
  power_on();
  client_->send(node_ep(),
                Frame{9, kController, Eoj{0x02, 0x88, 0x01}, Esv::Get, {{0x80, {}}}, {}});
  EXPECT_FALSE(await_from_node([](const Received& r) { return r.frame.tid == 9; }, 300));
  EXPECT_EQ(node_->counters().dropped_no_object, 1u);
}

TEST_F(NodeOnWire, InstanceCodeZeroAddressesEveryInstanceOfTheClass) {
  ASSERT_TRUE(node_->add_object(0x0130).ok());  // 0x013002
  power_on();
  client_->send(node_ep(),
                Frame{10, kController, Eoj{0x01, 0x30, 0x00}, Esv::Get, {{0x80, {}}}, {}});
  std::set<std::uint8_t> instances;
  for (int i = 0; i < 2; ++i) {
    auto r = await_from_node([](const Received& r) { return r.frame.tid == 10; });
    ASSERT_TRUE(r);
    instances.insert(r->frame.seoj.instance);
  }
  EXPECT_EQ(instances, (std::set<std::uint8_t>{1, 2}));
}

TEST_F(NodeOnWire, AnswersGoToPort3610WhateverTheSourcePort) {
  power_on();
  client_->send_from_ephemeral_port(
      node_ep(), Frame{11, kController, kAirConditioner, Esv::Get, {{0x80, {}}}, {}});
  auto r = await_from_node([](const Received& r) { return r.frame.tid == 11; });
  ASSERT_TRUE(r) << "the answer did not reach port 3610 of the requester";
  EXPECT_FALSE(r->multicast);
}

TEST_F(NodeOnWire, MalformedFramesAreCountedAndTheNodeGoesOn) {
  power_on();
  client_->send_raw(node_ep(), {0x10, 0x81, 0x00});  // truncated
  client_->send_raw(node_ep(),
                    {0x10, 0x81, 0, 1, 5, 0xFF, 1, 1, 0x30, 1, 0x62, 1, 0x80, 9, 1});  // PDC lies
  client_->send_raw(node_ep(), {0xDE, 0xAD, 0xBE, 0xEF});  // not ECHONET Lite
  auto r = ask(request(Esv::Get, kAirConditioner, {{0x80, {}}}));
  ASSERT_TRUE(r) << "the node stopped answering after malformed frames";
  EXPECT_EQ(r->frame.esv, Esv::Get_Res);
  EXPECT_EQ(node_->counters().malformed, 3u);
}

TEST_F(NodeOnWire, PropertyMapsDescribeWhatTheObjectDoes) {
  power_on();
  auto r = ask(request(Esv::Get, kAirConditioner, {{0x9D, {}}, {0x9E, {}}, {0x9F, {}}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->frame.esv, Esv::Get_Res);
  auto announce = decode_property_map(r->frame.props[0].edt);
  auto set = decode_property_map(r->frame.props[1].edt);
  auto get = decode_property_map(r->frame.props[2].edt);
  ASSERT_TRUE(announce && set && get);
  EXPECT_TRUE(announce->contains(0x80));
  EXPECT_TRUE(set->contains(0xB3));
  EXPECT_FALSE(set->contains(0xBB));
  EXPECT_TRUE(get->contains(0xBB));
  EXPECT_TRUE(get->contains(0x9F));
  // An air conditioner has more than 16 readable properties: the bitmap form.
  EXPECT_EQ(r->frame.props[2].edt.size(), 17u);
  // Every EPC in the get map can really be read.
  for (std::uint8_t epc : *get) {
    auto one = ask(request(Esv::Get, kAirConditioner, {{epc, {}}}));
    ASSERT_TRUE(one);
    EXPECT_EQ(one->frame.esv, Esv::Get_Res) << "EPC " << int(epc);
  }
}

TEST_F(NodeOnWire, MulticastGetIsAnsweredToTheRequester) {
  power_on();
  auto r = ask(request(Esv::Get, kNodeProfile, {{0xD6, {}}}), group());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame.esv, Esv::Get_Res);
  EXPECT_FALSE(r->multicast);
  EXPECT_EQ(r->frame.props[0].edt, (Bytes{0x01, 0x01, 0x30, 0x01}));
}

TEST_F(NodeOnWire, FaultIsAnnouncedAndCleared) {
  power_on();
  ASSERT_TRUE(node_->raise_fault(kAirConditioner, 0x0001).ok());
  auto inf = await_from_node(
      [](const Received& r) { return r.frame.esv == Esv::INF && r.frame.props[0].epc == 0x88; });
  ASSERT_TRUE(inf);
  EXPECT_EQ(inf->frame.props[0].edt, Bytes{0x41});
  auto r = ask(request(Esv::Get, kAirConditioner, {{0x88, {}}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame.props[0].edt, Bytes{0x41});
  ASSERT_TRUE(node_->clear_fault(kAirConditioner).ok());
  auto cleared = ask(request(Esv::Get, kAirConditioner, {{0x88, {}}}));
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->frame.props[0].edt, Bytes{0x42});
}

TEST_F(NodeOnWire, PerPropertyResponseDelayHoldsTheAnswer) {
  power_on();
  ac_->set_response_delay(0xB3, std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  auto r = ask(request(Esv::Get, kAirConditioner, {{0xB3, {}}}));
  ASSERT_TRUE(r);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST_F(NodeOnWire, PoweredOffNodeIsSilentAndAnnouncesAgainWhenBackOn) {
  power_on();
  ASSERT_TRUE(await_from_node(
      [](const Received& r) { return r.frame.esv == Esv::INF && r.frame.props[0].epc == 0xD5; }));
  node_->power_off();
  client_->send(node_ep(), Frame{12, kController, kAirConditioner, Esv::Get, {{0x80, {}}}, {}});
  EXPECT_FALSE(await_from_node([](const Received& r) { return r.frame.tid == 12; }, 300));
  power_on();
  EXPECT_TRUE(await_from_node(
      [](const Received& r) { return r.frame.esv == Esv::INF && r.frame.props[0].epc == 0xD5; }));
}

TEST_F(NodeOnWire, InfcIsAcknowledgedWithInfcRes) {
  power_on();
  auto r = ask(request(Esv::INFC, kAirConditioner, {{0x80, {0x30}}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame.esv, Esv::INFC_Res);
  EXPECT_EQ(r->frame.props, (std::vector<Property>{{0x80, {}}}));
}

TEST_F(NodeOnWire, NodeProfileCountsItsInstancesAndClasses) {
  ASSERT_TRUE(node_->add_object(0x0290).ok());
  power_on();
  auto r = ask(request(Esv::Get, kNodeProfile,
                       {{0xD3, {}}, {0xD4, {}}, {0xD7, {}}, {0x82, {}}, {0x83, {}}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->frame.esv, Esv::Get_Res);
  EXPECT_EQ(r->frame.props[0].edt, (Bytes{0, 0, 2}));
  EXPECT_EQ(r->frame.props[1].edt, (Bytes{0, 3}));  // two classes + the node profile
  EXPECT_EQ(r->frame.props[2].edt, (Bytes{2, 0x01, 0x30, 0x02, 0x90}));
  EXPECT_EQ(r->frame.props[3].edt.size(), 4u);
  EXPECT_EQ(r->frame.props[4].edt.size(), 17u);
  EXPECT_EQ(r->frame.props[4].edt[0], 0xFE);
}

}  // namespace
