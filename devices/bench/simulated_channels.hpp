// Power channels for the rig's own simulated things: an AiSEG2 unit and an
// ECHONET Lite appliance node. Switching the channel really cuts or restores
// their power (Unit::power_off/power_on, Node::power_off/power_on), and the
// power they report is what the simulation says they draw.
#pragma once

#include <memory>

#include "devices/bench/power_channel.hpp"
#include "sim/core/engine.hpp"

namespace hemsrig::aiseg2 {
class Unit;
}
namespace hemsrig::echonet {
class Node;
}

namespace hemsrig::bench {

// The unit draws a constant `watts` while powered (the rig's assumption; the
// manual gives no figure), nothing when cut.
std::unique_ptr<PowerChannel> make_unit_channel(aiseg2::Unit& unit, double watts = 5.0);

// The node draws the sum of its appliances' power from the household physics
// (negative for PV and a discharging battery) while powered, nothing when cut.
std::unique_ptr<PowerChannel> make_node_channel(echonet::Node& node);

}  // namespace hemsrig::bench
