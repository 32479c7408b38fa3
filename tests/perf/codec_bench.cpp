// Micro benchmarks (Google Benchmark) of what every datagram costs inside hemsrig: the frame
// codec, property maps, and a node answering a Get without sockets, both called directly (a
// fabric that only captures) and through the LocalFabric and a virtual-time Engine.
//
//   hemsrig_codec_bench [--benchmark_filter=REGEX] [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>

#include <memory>

#include "devices/echonet/node.hpp"
#include "devices/echonet/profile.hpp"
#include "sim/core/engine.hpp"
#include "sim/echonet/frame.hpp"
#include "sim/echonet/property_map.hpp"
#include "sim/net/local_fabric.hpp"

namespace {

using namespace hemsrig;
using echonet::Bytes;
using echonet::Eoj;
using echonet::Esv;
using echonet::Frame;
using echonet::Property;

echonet::NodeOptions node_options(sim::Ipv4 address) {
  echonet::NodeOptions o;
  o.address = address;
  return o;
}

const Eoj kController{0x05, 0xFF, 0x01};
const Eoj kAirConditioner{0x01, 0x30, 0x01};

// What an air conditioner answers to a controller polling its state: operation status, mode,
// set temperature, room temperature.
Frame typical_get_res() {
  return Frame{0x1234,
               kAirConditioner,
               kController,
               Esv::Get_Res,
               {Property{0x80, {0x30}}, Property{0xB0, {0x42}}, Property{0xB3, {0x1A}},
                Property{0xBB, {0x1C}}},
               {}};
}

Frame get_request(std::uint16_t tid, const Eoj& deoj, std::initializer_list<std::uint8_t> epcs) {
  Frame f{tid, kController, deoj, Esv::Get, {}, {}};
  for (auto epc : epcs) f.props.push_back(Property{epc, {}});
  return f;
}

void BM_DecodeGetRes(benchmark::State& state) {
  const Bytes wire = echonet::encode(typical_get_res());
  for (auto _ : state) {
    auto msg = echonet::decode(wire);
    benchmark::DoNotOptimize(msg);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_DecodeGetRes);

void BM_EncodeGetRes(benchmark::State& state) {
  const Frame frame = typical_get_res();
  for (auto _ : state) {
    Bytes wire = echonet::encode(frame);
    benchmark::DoNotOptimize(wire);
  }
}
BENCHMARK(BM_EncodeGetRes);

// Below 16 EPCs a map is a list; from 16 on a 17-byte bitmap.
echonet::EpcSet epc_set(int n) {
  echonet::EpcSet s;
  for (int i = 0; i < n; ++i) s.insert(static_cast<std::uint8_t>(0x80 + i * 3));
  return s;
}

void BM_PropertyMapEncode(benchmark::State& state) {
  const echonet::EpcSet epcs = epc_set(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    Bytes edt = echonet::encode_property_map(epcs);
    benchmark::DoNotOptimize(edt);
  }
}
BENCHMARK(BM_PropertyMapEncode)->Arg(8)->Arg(30);

void BM_PropertyMapDecode(benchmark::State& state) {
  const Bytes edt = echonet::encode_property_map(epc_set(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    auto epcs = echonet::decode_property_map(edt);
    benchmark::DoNotOptimize(epcs);
  }
}
BENCHMARK(BM_PropertyMapDecode)->Arg(8)->Arg(30);

const echonet::ProfileLibrary& profiles() {
  static const echonet::ProfileLibrary lib = [] {
    echonet::ProfileLibrary l;
    if (!l.load_yaml(echonet::ProfileLibrary::bundled_dir())) std::abort();
    return l;
  }();
  return lib;
}

// A Fabric with one port and no network: send() keeps the last datagram.
class CaptureFabric : public sim::Fabric {
 public:
  explicit CaptureFabric(const sim::Engine& engine)
      : Fabric(engine, sim::UdpEndpoint{sim::Ipv4{0xE0001700}, 3610}) {}
  Result<sim::PortId> open(sim::Ipv4, Receiver receiver) override {
    receiver_ = std::move(receiver);
    return sim::PortId{1};
  }
  void close(sim::PortId) override {}
  void send(sim::PortId, const sim::UdpEndpoint&, std::span<const std::uint8_t> bytes) override {
    last_size_ = bytes.size();
    ++sent_;
  }
  std::string describe() const override { return "capture"; }

  void deliver(const sim::Datagram& d) { receiver_(d); }
  std::uint64_t sent() const { return sent_; }

 private:
  Receiver receiver_;
  std::size_t last_size_ = 0;
  std::uint64_t sent_ = 0;
};

// Node::receive called straight from the "socket": decode, look up, answer, encode, send.
void BM_NodeAnswersGet_Direct(benchmark::State& state) {
  sim::Engine engine;
  CaptureFabric fabric(engine);
  const sim::Ipv4 address{0x7F4B0001};
  echonet::Node node(engine, fabric, profiles(), node_options(address));
  if (!node.add_object(0x0130) || !node.power_on()) std::abort();
  const Bytes request =
      state.range(0) == 1
          ? echonet::encode(get_request(7, kAirConditioner, {0x80}))
          : echonet::encode(get_request(7, kAirConditioner, {0x80, 0xB0, 0xB3, 0xBB}));
  const sim::Datagram d{{sim::Ipv4{0x7F4B00C8}, 3610}, {address, 3610}, request};
  const std::uint64_t before = fabric.sent();
  for (auto _ : state) fabric.deliver(d);
  if (fabric.sent() - before != static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError("not answered");
}
BENCHMARK(BM_NodeAnswersGet_Direct)->Arg(1)->Arg(4)->ArgName("epcs");

// The same through LocalFabric and a virtual-time Engine: request and answer each go through
// the timer queue, as in a virtual world.
void BM_NodeAnswersGet_LocalFabric(benchmark::State& state) {
  sim::Engine engine;
  sim::LocalFabric fabric(engine);
  const sim::Ipv4 node_address{0x7F4B0001}, controller_address{0x7F4B00C8};
  echonet::Node node(engine, fabric, profiles(), node_options(node_address));
  if (!node.add_object(0x0130) || !node.power_on()) std::abort();
  std::uint64_t answers = 0;
  auto controller = fabric.open(controller_address, [&](const sim::Datagram&) { ++answers; });
  if (!controller) std::abort();
  engine.run_for(std::chrono::milliseconds(1));  // the boot INF
  const Bytes request = echonet::encode(get_request(7, kAirConditioner, {0x80}));
  const sim::UdpEndpoint to{node_address, 3610};
  const std::function<bool()> answered = [&] { return answers > 0; };
  for (auto _ : state) {
    answers = 0;
    fabric.send(*controller, to, request);
    if (!engine.run_until(answered, std::chrono::seconds(1))) {
      state.SkipWithError("not answered");
      break;
    }
  }
}
BENCHMARK(BM_NodeAnswersGet_LocalFabric);

// A multicast frame that is not for the node (another node's INF): what each of N nodes pays for
// every multicast in an N-node UdpFabric world, where the shared socket hands it to every port.
void BM_NodeIgnoresOthersInf(benchmark::State& state) {
  sim::Engine engine;
  CaptureFabric fabric(engine);
  const sim::Ipv4 address{0x7F4B0001};
  echonet::Node node(engine, fabric, profiles(), node_options(address));
  if (!node.add_object(0x0290) || !node.power_on()) std::abort();
  const Bytes inf = echonet::encode(Frame{9,
                                          echonet::kNodeProfile,
                                          echonet::kNodeProfile,
                                          Esv::INF,
                                          {Property{0xD5, {0x01, 0x02, 0x90, 0x01}}},
                                          {}});
  const sim::Datagram d{{sim::Ipv4{0x7F4B0002}, 3610}, fabric.multicast_group(), inf};
  for (auto _ : state) fabric.deliver(d);
}
BENCHMARK(BM_NodeIgnoresOthersInf);

}  // namespace

BENCHMARK_MAIN();
