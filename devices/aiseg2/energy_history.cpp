#include "devices/aiseg2/energy_history.hpp"

#include "sim/echonet/energy_unit.hpp"

namespace hemsrig::aiseg2 {

namespace {

std::uint64_t as_uint(const echonet::Bytes& b) {
  std::uint64_t v = 0;
  for (auto c : b) v = v << 8 | c;
  return v;
}

const echonet::Bytes* prop(const RegisteredAppliance& a, std::uint8_t epc) {
  auto it = a.state.find(epc);
  return it == a.state.end() || it->second.empty() ? nullptr : &it->second;
}

// 0xE1 of the smart meter: kWh per count.
double meter_unit_kwh(const RegisteredAppliance& meter) {
  const echonet::Bytes* u = prop(meter, 0xE1);
  return echonet::energy_unit_kwh(u ? (*u)[0] : 0x01);
}

}  // namespace

EnergyAccounting::EnergyAccounting(sim::Engine& engine, const ApplianceRegistry& registry,
                                   HistoryStore& store, sim::Duration slot)
    : engine_(engine), registry_(registry), store_(store), slot_(slot) {}

EnergyAccounting::~EnergyAccounting() {
  stop();
}

void EnergyAccounting::start() {
  if (running_) return;
  running_ = true;
  schedule();
}

void EnergyAccounting::stop() {
  if (!running_) return;
  running_ = false;
  engine_.cancel(timer_);
}

void EnergyAccounting::schedule() {
  // The next boundary of the calendar, so slots line up at :00 and :30 after every boot.
  const auto now = engine_.calendar_now().time_since_epoch();
  const auto step = std::chrono::duration_cast<sim::CalendarTime::duration>(slot_);
  const auto next = (now / step + 1) * step;
  timer_ = engine_.after(std::chrono::duration_cast<sim::Duration>(next - now), [this] {
    store_.append(reading());
    schedule();
  });
}

HistorySlot EnergyAccounting::reading() const {
  HistorySlot s{engine_.calendar_now(), {}};
  for (const RegisteredAppliance* a : registry_.all()) {
    if (a->class_code == 0x0288) {
      double coefficient = 1.0;
      if (const auto* c = prop(*a, 0xD3))
        coefficient = static_cast<double>(std::max<std::uint64_t>(1, as_uint(*c)));
      const double unit = meter_unit_kwh(*a) * coefficient;
      if (const auto* e = prop(*a, 0xE0))
        s.kwh["purchase"] += static_cast<double>(as_uint(*e)) * unit;
      if (const auto* e = prop(*a, 0xE3)) s.kwh["sale"] += static_cast<double>(as_uint(*e)) * unit;
    } else if (a->class_code == 0x0279) {
      if (const auto* e = prop(*a, 0xE1))
        s.kwh["generation"] += static_cast<double>(as_uint(*e)) * 0.001;
    } else if (const auto* e = prop(*a, 0x85)) {
      s.kwh["appliance:" + to_string(a->key)] = static_cast<double>(as_uint(*e)) * 0.001;
    }
  }
  return s;
}

}  // namespace hemsrig::aiseg2
