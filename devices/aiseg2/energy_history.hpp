// Energy history: what the unit measures and keeps (the "accumulated data"
// of DOMAIN R50): every 30 minutes the purchase and sale counters of the
// smart meter, the PV generation and each appliance's consumption, read
// from the controller's copy of the appliances' properties.
//
// The store outlives a reboot or a power cut of the unit (the real unit keeps
// it in flash); only re-registering the server service wipes it (R50).
// MemoryHistoryStore serves virtual-time worlds; a SQLite store for `serve`
// is still to come.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "devices/aiseg2/appliance_registry.hpp"
#include "sim/core/engine.hpp"

namespace hemsrig::aiseg2 {

// Cumulative readings in kWh at one moment: "purchase", "sale", "generation",
// and "appliance:<registry key>" for each appliance that reports 0x85.
struct HistorySlot {
  sim::CalendarTime at;
  std::map<std::string, double> kwh;
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  virtual void append(const HistorySlot& slot) = 0;
  virtual std::vector<HistorySlot> slots() const = 0;
  virtual void wipe() = 0;
};

class MemoryHistoryStore : public HistoryStore {
 public:
  void append(const HistorySlot& slot) override { slots_.push_back(slot); }
  std::vector<HistorySlot> slots() const override { return slots_; }
  void wipe() override { slots_.clear(); }

 private:
  std::vector<HistorySlot> slots_;
};

class EnergyAccounting {
 public:
  EnergyAccounting(sim::Engine& engine, const ApplianceRegistry& registry, HistoryStore& store,
                   sim::Duration slot = std::chrono::minutes(30));
  ~EnergyAccounting();
  // Records at every slot boundary of the calendar (:00 and :30) while started.
  void start();
  void stop();
  // The readings now, from the registry's state copies.
  HistorySlot reading() const;

 private:
  void schedule();

  sim::Engine& engine_;
  const ApplianceRegistry& registry_;
  HistoryStore& store_;
  sim::Duration slot_;
  sim::TimerId timer_ = 0;
  bool running_ = false;
};

}  // namespace hemsrig::aiseg2
