// The OpenCL C side of the OpenCL backend: one __kernel per kernel IR kernel. How each launch
// domain maps onto an NDRange (the host emitter launches them accordingly):
//   Neurons         one work-item per neuron, global size rounded up to the work-group size, so
//                   every kernel starts with a bounds check.
//   Neurons+emit    the same; EmitSpike sets the neuron's flag, and mc_compact_spikes (prelude)
//                   then ranks the flags with a prefix-sum scan into the ascending spike list.
//                   Chosen over "atomic append + sort": the scan is deterministic by construction,
//                   needs no atomics and no sort of a list of unknown length.
//   Spikes          one work-item per possible spike (the count lives on the device, the host
//                   never waits for it); items past this step's count return at once.
//   SynapticEvents  one work-group per spike (grid-stride over the spikes), its work-items stride
//                   over the spike's CSR row, so consecutive work-items read consecutive `post`
//                   entries (coalesced on GPUs). Conflicting Accumulates are atomics.
//   Synapses        one work-item per synapse.
#include <set>

#include "backends/opencl/opencl_emit_context.h"

namespace modelc::opencl::detail {

namespace {

using kir::Block;
using kir::Domain;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;
using Kind = KernelParam::Kind;

void collect_expr(const ExprP& e, std::set<std::string>& reads) {
  if (!e) return;
  if (e->kind == Expr::Kind::Load) reads.insert(e->name);
  for (const auto& a : e->args) collect_expr(a, reads);
}

void collect_block(const Block& b, std::set<std::string>& reads, std::set<std::string>& writes, bool& emits) {
  for (const Stmt& s : b) {
    collect_expr(s.index, reads);
    collect_expr(s.value, reads);
    if (s.kind == Stmt::Kind::Store || s.kind == Stmt::Kind::Accumulate) writes.insert(s.name);
    if (s.kind == Stmt::Kind::EmitSpike) emits = true;
    collect_block(s.then_body, reads, writes, emits);
    collect_block(s.else_body, reads, writes, emits);
  }
}

bool block_has_int64_atomic(const Block& b, const kir::Program& p) {
  for (const Stmt& s : b) {
    if (s.kind == Stmt::Kind::Accumulate && s.conflicting) {
      const kir::Buffer* buf = p.find_buffer(s.name);
      if (buf && (buf->type == kir::Type::Double || buf->type == kir::Type::Int64)) return true;
    }
    if (block_has_int64_atomic(s.then_body, p) || block_has_int64_atomic(s.else_body, p)) return true;
  }
  return false;
}

std::string int_text(int64_t v) { return std::to_string(v) + (v > 2147483647 || v < -2147483647 ? "L" : ""); }

std::string param_decl(const EmitContext& c, const KernelParam& prm) {
  switch (prm.kind) {
    case Kind::Buffer: {
      const kir::Buffer& b = c.p.buffers[c.buffer_index(prm.name)];
      return c.printer.buffer_pointer(b.type, prm.name, prm.read_only);
    }
    case Kind::Flags: return "__global uchar* restrict _mc_flags";
    case Kind::Spikes: return "__global const int* restrict _mc_spikes";
    case Kind::Counts: return "__global const int* restrict _mc_counts";
    case Kind::Row: return "__global const long* restrict _mc_row";
    case Kind::Post: return "__global const int* restrict _mc_post";
    case Kind::Pre: return "__global const int* restrict _mc_pre";
    case Kind::SynCount: return "const long _mc_n";
    case Kind::Seed: return "const ulong seed";
    case Kind::Step: return "const long step";
    case Kind::Slot: return "const long _mc_slot";
  }
  return "";
}

void emit_kernel(EmitContext& c, const KernelPlan& plan, std::string& o) {
  const kir::Kernel& k = *plan.kernel;
  o += "/* kernel " + k.name + " */\n__kernel void k" + std::to_string(plan.index) + "(";
  for (size_t a = 0; a < plan.params.size(); ++a) o += (a ? ",\n    " : "") + param_decl(c, plan.params[a]);
  o += ") {\n";
  o += "  const mc_f64 t = (mc_f64)step * MC_DT;\n";
  const Domain& d = k.domain;
  kir::RandomKeys keys;
  keys.element = d.kind == Domain::Kind::Neurons || d.kind == Domain::Kind::Spikes ? "i" : "syn";
  c.printer.set_random_keys(keys);
  switch (d.kind) {
    case Domain::Kind::Neurons: {
      const int64_t n = c.p.populations[plan.population].size;
      o += "  const long i = (long)get_global_id(0);\n  if (i >= " + int_text(n) + ") return;\n";
      c.printer.block(k.body, 1, o);
      break;
    }
    case Domain::Kind::Spikes: {
      const int64_t n = c.p.populations[plan.population].size;
      o += "  const long _mc_k = (long)get_global_id(0);\n";
      o += "  if (_mc_k >= (long)_mc_counts[_mc_slot]) return;\n";
      o += "  const long i = _mc_spikes[_mc_slot * " + int_text(n) + " + _mc_k];\n";
      c.printer.block(k.body, 1, o);
      break;
    }
    case Domain::Kind::SynapticEvents: {
      const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
      const int64_t n = c.p.populations[plan.population].size;
      const std::string off = int_text(sg.source_offset), end = int_text(sg.source_offset + sg.source_size);
      o += "  const long _mc_nspikes = _mc_counts[_mc_slot];\n";
      o += "  __global const int* restrict _mc_spk = _mc_spikes + _mc_slot * " + int_text(n) + ";\n";
      o += "  for (long _mc_k = (long)get_group_id(0); _mc_k < _mc_nspikes; _mc_k += (long)get_num_groups(0)) {\n";
      o += "    const long _mc_idx = _mc_spk[_mc_k];\n";
      o += "    if (_mc_idx < " + off + " || _mc_idx >= " + end + ") continue;\n";
      o += "    const long i = _mc_idx - " + off + ";\n";
      o += "    const long _mc_end = _mc_row[i + 1];\n";
      o += "    for (long syn = _mc_row[i] + (long)get_local_id(0); syn < _mc_end; syn += (long)get_local_size(0)) {\n";
      o += "      const long j = _mc_post[syn];\n";
      c.printer.block(k.body, 3, o);
      o += "    }\n  }\n";
      break;
    }
    case Domain::Kind::Synapses:
      o += "  const long syn = (long)get_global_id(0);\n  if (syn >= _mc_n) return;\n";
      o += "  const long i = _mc_pre[syn];\n  const long j = _mc_post[syn];\n";
      c.printer.block(k.body, 1, o);
      break;
    default: break;  // rejected by check_supported
  }
  o += "}\n\n";
}

// Copies the recorded neurons' values of one sample into the monitor's device buffers (slot
// `sample` of the current recording chunk); the host converts to double when it pulls them.
void emit_state_recorder(EmitContext& c, size_t mi, std::string& o) {
  const kir::Monitor& mon = c.p.monitors[mi];
  const int pk = c.population_index(mon.population);
  if (pk < 0) return;  // reported by the host emitter
  const int64_t pop_size = c.p.populations[pk].size;
  o += "/* monitor " + mon.name + " */\n__kernel void mc_rec_state" + std::to_string(mi) +
       "(__global const long* restrict _mc_idx, const long _mc_nidx, const long _mc_sample";
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    int bi = c.buffer_index(mon.buffers[v]);
    if (bi < 0) continue;
    const std::string t = c.printer.storage_type_name(c.p.buffers[bi].type);
    o += ",\n    __global const " + t + "* restrict _mc_b" + std::to_string(v) + ", __global " + t +
         "* restrict _mc_o" + std::to_string(v);
  }
  o += ") {\n  const long k = (long)get_global_id(0);\n  if (k >= _mc_nidx) return;\n";
  for (size_t v = 0; v < mon.buffers.size(); ++v) {
    int bi = c.buffer_index(mon.buffers[v]);
    if (bi < 0) continue;
    const kir::Buffer& b = c.p.buffers[bi];
    // Shared (size 1) variables are recorded once per recorded neuron, as on the CPU.
    std::string at = b.size == 1 && pop_size != 1 ? "0" : int_text(mon.offset) + " + _mc_idx[k]";
    o += "  _mc_o" + std::to_string(v) + "[_mc_sample * _mc_nidx + k] = _mc_b" + std::to_string(v) + "[" + at + "];\n";
  }
  o += "}\n\n";
}

bool expr_uses_binomial(const ExprP& e) {
  if (!e) return false;
  if (e->kind == Expr::Kind::Random && e->name == "binomial") return true;
  for (const auto& a : e->args)
    if (expr_uses_binomial(a)) return true;
  return false;
}

bool block_uses_binomial(const Block& b) {
  for (const Stmt& s : b)
    if (expr_uses_binomial(s.index) || expr_uses_binomial(s.value) || block_uses_binomial(s.then_body) ||
        block_uses_binomial(s.else_body))
      return true;
  return false;
}

// The kernel IR v1 subset this backend implements; IR v2 additions are reported, never ignored.
void check_supported(EmitContext& c) {
  const kir::Program& p = c.p;
  const std::string hint = "run this model with --backend cpu";
  auto unsupported = [&](const std::string& what) { c.error(what + " is not supported by the opencl backend yet", hint); };
  for (const auto& pop : p.populations) {
    if (!pop.events.empty()) unsupported("custom events (population '" + pop.name + "')");
    if (pop.generator) unsupported("spike generators (population '" + pop.name + "')");
  }
  for (const auto& b : p.buffers)
    if (!b.init_values.empty() || b.role == kir::BufferRole::Table) unsupported("initial buffer contents (buffer '" + b.name + "')");
  for (const auto& g : p.synapse_groups) {
    if (g.needs_transpose) unsupported("post-synaptic pathways (synapse group '" + g.name + "')");
    for (const auto& pw : g.pathways)
      if (pw.post || !pw.delay_buffer.empty() || pw.name != "pre" || (pw.event != "spike" && !pw.event.empty()))
        unsupported("pathway '" + pw.name + "' of synapse group '" + g.name + "'");
  }
  for (const auto& k : p.kernels) {
    const Domain& d = k.domain;
    if (d.kind != Domain::Kind::Neurons && d.kind != Domain::Kind::Spikes && d.kind != Domain::Kind::SynapticEvents &&
        d.kind != Domain::Kind::Synapses)
      unsupported("the launch domain of kernel '" + k.name + "'");
    if ((!d.event.empty() && d.event != "spike") || (!k.event.empty() && k.event != "spike"))
      unsupported("custom events (kernel '" + k.name + "')");
    if (!d.pathway.empty() && d.pathway != "pre") unsupported("pathway '" + d.pathway + "' (kernel '" + k.name + "')");
    if (d.offset != 0 || d.size != 0) unsupported("subgroup domains (kernel '" + k.name + "')");
    if (k.every_steps != 1) unsupported("run_regularly intervals (kernel '" + k.name + "')");
    if (block_uses_binomial(k.body)) unsupported("binomial random draws (kernel '" + k.name + "')");
  }
  for (const auto& m : p.monitors) {
    if (!m.event.empty() && m.event != "spike") unsupported("event monitors (monitor '" + m.name + "')");
    if (!m.synapses.empty()) unsupported("synapse state monitors (monitor '" + m.name + "')");
    if (m.kind == kir::Monitor::Kind::Spikes && !m.buffers.empty()) unsupported("spike monitor variables (monitor '" + m.name + "')");
  }
}

}  // namespace

int EmitContext::population_index(const std::string& name) const {
  for (size_t k = 0; k < p.populations.size(); ++k)
    if (p.populations[k].name == name) return static_cast<int>(k);
  return -1;
}
int EmitContext::group_index(const std::string& name) const {
  for (size_t k = 0; k < p.synapse_groups.size(); ++k)
    if (p.synapse_groups[k].name == name) return static_cast<int>(k);
  return -1;
}
int EmitContext::buffer_index(const std::string& name) const {
  for (size_t k = 0; k < p.buffers.size(); ++k)
    if (p.buffers[k].name == name) return static_cast<int>(k);
  return -1;
}
void EmitContext::error(const std::string& message, const std::string& hint) {
  diags.error("opencl backend: " + message, "", hint);
}

bool needs_int64_atomics(const kir::Program& p) {
  for (const auto& k : p.kernels)
    if (block_has_int64_atomic(k.body, p)) return true;
  return false;
}

void plan_kernels(EmitContext& c) {
  std::map<std::string, kir::Type> types;
  for (const auto& b : c.p.buffers) types[b.name] = b.type;
  c.printer.set_buffer_types(std::move(types));
  c.plans.clear();
  check_supported(c);
  for (size_t idx = 0; idx < c.p.kernels.size(); ++idx) {
    const kir::Kernel& k = c.p.kernels[idx];
    KernelPlan plan;
    plan.index = idx;
    plan.kernel = &k;
    std::set<std::string> reads, writes;
    bool emits = k.emits_spikes;
    collect_block(k.body, reads, writes, emits);
    bool ok = true;
    for (const auto& names : {reads, writes})
      for (const auto& n : names)
        if (c.buffer_index(n) < 0) {
          c.error("kernel '" + k.name + "' uses unknown buffer '" + n + "'");
          ok = false;
        }
    std::set<std::string> all = reads;
    all.insert(writes.begin(), writes.end());
    for (const auto& n : all) plan.params.push_back({Kind::Buffer, n, writes.count(n) == 0});
    const Domain& d = k.domain;
    if (d.kind == Domain::Kind::Neurons || d.kind == Domain::Kind::Spikes) {
      plan.population = c.population_index(d.population);
      if (plan.population < 0) {
        c.error("kernel '" + k.name + "' runs over unknown population '" + d.population + "'");
        ok = false;
      }
      if (emits && d.kind == Domain::Kind::Spikes)
        c.error("kernel '" + k.name + "' emits spikes from a spikes domain", "emit spikes from a neurons-domain threshold kernel");
      if (d.kind == Domain::Kind::Neurons && emits) {
        plan.emits = true;
        plan.params.push_back({Kind::Flags, "", false});
      }
      if (d.kind == Domain::Kind::Spikes) {
        plan.params.push_back({Kind::Spikes, ""});
        plan.params.push_back({Kind::Counts, ""});
      }
    } else {
      if (emits) c.error("kernel '" + k.name + "' emits spikes from a synapse domain");
      plan.group = c.group_index(d.synapses);
      if (plan.group < 0) {
        c.error("kernel '" + k.name + "' runs over unknown synapse group '" + d.synapses + "'");
        ok = false;
      } else if (d.kind == Domain::Kind::SynapticEvents) {
        const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
        plan.population = c.population_index(sg.source);
        if (plan.population < 0) {
          c.error("synapse group '" + sg.name + "' has unknown source population '" + sg.source + "'");
          ok = false;
        } else if (sg.delay_steps >= c.p.populations[plan.population].history) {
          c.error("synapse group '" + sg.name + "' has a delay of " + std::to_string(sg.delay_steps) +
                  " steps but population '" + sg.source + "' keeps only " +
                  std::to_string(c.p.populations[plan.population].history) + " steps of spikes");
        }
        plan.params.push_back({Kind::Spikes, ""});
        plan.params.push_back({Kind::Counts, ""});
        plan.params.push_back({Kind::Row, ""});
        plan.params.push_back({Kind::Post, ""});
      } else {
        plan.params.push_back({Kind::Pre, ""});
        plan.params.push_back({Kind::Post, ""});
        plan.params.push_back({Kind::SynCount, ""});
      }
    }
    plan.params.push_back({Kind::Seed, ""});
    plan.params.push_back({Kind::Step, ""});
    plan.params.push_back({Kind::Slot, ""});
    if (!ok) plan.kernel = nullptr;  // not emitted; errors are reported
    c.plans.push_back(std::move(plan));
  }
}

std::string emit_device_source(EmitContext& c, const std::string& prelude) {
  std::string o = "/* Generated by modelc (opencl backend) for model " + c.p.model_name + ". Do not edit. */\n";
  o += prelude;
  char dt[40];
  std::snprintf(dt, sizeof dt, "%.17g", c.p.dt);
  std::string dts = dt;
  if (dts.find_first_of(".e") == std::string::npos) dts += ".0";
  o += "\n/* --- model kernels --- */\n#define MC_DT ((mc_f64)" + dts + ")\n\n";
  for (const auto& plan : c.plans)
    if (plan.kernel) emit_kernel(c, plan, o);
  for (size_t mi = 0; mi < c.p.monitors.size(); ++mi)
    if (c.p.monitors[mi].kind == kir::Monitor::Kind::State) emit_state_recorder(c, mi, o);
  return o;
}

}  // namespace modelc::opencl::detail
