// The bench's power channel of a DUT: its coil switches the DUT's power (off
// = SIGKILL to its process, a power cut; on = started again with the same
// {state_dir}); it draws a constant assumed wattage while powered.
#pragma once

#include <memory>

#include "devices/bench/power_channel.hpp"

namespace hemsrig::dut {

class Dut;

std::unique_ptr<bench::PowerChannel> make_dut_channel(Dut& dut, double watts = 5.0);

}  // namespace hemsrig::dut
