// The invariants of a well-formed kernel IR Program: what lowering guarantees and the kernel passes,
// the C-style printer and the backends rely on (ir/kernel_ir.h states them). PassManager runs it
// after every pass with verify_each, so a pass that breaks one is named at once instead of showing up
// as a C compiler error or a wrong result downstream.
#pragma once

#include <string>
#include <vector>

#include "ir/kernel_ir.h"

namespace modelc::kir {

// The problems found, one line each ("kernel 'P_update' loads unknown buffer 'P_x'"), at most
// `max_problems`; empty = well formed. Never throws, whatever the Program holds.
//
// Checked:
//  - names: buffers, populations, synapse groups, kernels and monitors are unique; every name a
//    synapse group, pathway, kernel domain, monitor, merged member or dispatch branch uses exists
//    (populations, slices within them, events, pathways, delay / ring / guard buffers);
//  - buffers: NeuronState buffers of a population have its size (or 1: shared), DelayRing buffers
//    the target slice's size, SynapseState buffers belong to a synapse group, init_values match a
//    known size;
//  - schedule: init_kernels and RunKernel tasks name existing kernels, Record tasks existing
//    monitors of the matching kind;
//  - bodies: every Load / Store / Accumulate names an existing buffer, with the buffer's type and an
//    integer index; locals are declared before use (in an enclosing block) and not twice in one
//    block, used and assigned with their declared type; operand counts and types follow the node
//    kinds (comparisons and logic give Bool, arithmetic operands have the result's type, If and
//    Select conditions are Bool, no Pow); built-ins exist in the kernel's domain with their types;
//    EmitSpike appears only in neuron domains and only in kernels marked emits_spikes.
std::vector<std::string> verify(const Program& p, size_t max_problems = 20);

}  // namespace modelc::kir
