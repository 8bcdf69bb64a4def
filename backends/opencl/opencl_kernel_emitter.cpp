// The OpenCL C side of the OpenCL backend: one __kernel per kernel IR kernel. How each launch
// domain maps onto an NDRange (the host emitter launches them accordingly):
//   Neurons         one work-item per neuron (of the domain's range), global size rounded up to the
//                   work-group size, so every kernel starts with a bounds check.
//   Neurons+emit    the same; EmitSpike sets the neuron's flag, and mc_compact_spikes (prelude)
//                   then ranks the flags with a prefix-sum scan into the ascending list (spikes or
//                   the kernel's custom event). Chosen over "atomic append + sort": the scan is
//                   deterministic by construction, needs no atomics and no sort of a list of
//                   unknown length.
//   Spikes          one work-item per possible event (the count lives on the device, the host
//                   never waits for it); items past this step's count return at once.
//   SynapticEvents  one work-group per event (grid-stride over the events), its work-items stride
//                   over the event's CSR row, so consecutive work-items read consecutive `post`
//                   entries (coalesced on GPUs). Conflicting Accumulates are atomics.
//   Synapses        one work-item per synapse.
// IR v2 domains (PostSynapticEvents, QueuedEvents, SpikeGenerator) are in opencl_v2_kernels.cpp.
#include <set>

#include "backends/cpu/cpu_emit_context.h"
#include "backends/opencl/opencl_emit_context.h"

namespace modelc::opencl::detail {

namespace {

using kir::Block;
using kir::Domain;
using kir::Expr;
using kir::ExprP;
using kir::Stmt;
using Kind = KernelParam::Kind;

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

// j, or j plus a literal (a target slice's offset), possibly cast.
bool is_target_index(const ExprP& e) {
  if (!e) return false;
  if (e->kind == Expr::Kind::Builtin) return e->name == "j";
  if (e->kind == Expr::Kind::Cast && e->args.size() == 1) return is_target_index(e->args[0]);
  if (e->kind == Expr::Kind::Binary && e->op == ir::Op::Add && e->args.size() == 2)
    return (is_target_index(e->args[0]) && e->args[1]->kind == Expr::Kind::Literal) ||
           (is_target_index(e->args[1]) && e->args[0]->kind == Expr::Kind::Literal);
  return false;
}

// True when the block has conflicting accumulations and all of them go to the target at j.
bool conflicts_only_at_target(const Block& b, bool& any) {
  for (const Stmt& s : b) {
    if (s.kind == Stmt::Kind::Accumulate && s.conflicting) {
      if (!is_target_index(s.index)) return false;
      any = true;
    }
    if (!conflicts_only_at_target(s.then_body, any) || !conflicts_only_at_target(s.else_body, any)) return false;
  }
  return true;
}

// The block with every Accumulate non-conflicting (a gather's work-item owns its target).
Block without_conflicts(const Block& b) {
  Block out = b;
  for (Stmt& s : out) {
    if (s.kind == Stmt::Kind::Accumulate) s.conflicting = false;
    s.then_body = without_conflicts(s.then_body);
    s.else_body = without_conflicts(s.else_body);
  }
  return out;
}

std::string int_text(int64_t v) { return std::to_string(v) + (v > 2147483647 || v < -2147483647 ? "L" : ""); }

std::string param_decl(const EmitContext& c, const KernelParam& prm) {
  switch (prm.kind) {
    case Kind::Buffer: {
      const kir::Buffer& b = c.p.buffers[c.buffer_index(prm.name)];
      return c.printer.buffer_pointer(b.type, prm.name, prm.read_only);
    }
    case Kind::Flags: return "__global uchar* restrict _mc_flags";
    case Kind::Spikes: return std::string("__global ") + (prm.read_only ? "const " : "") + "int* restrict _mc_spikes";
    case Kind::Counts: return std::string("__global ") + (prm.read_only ? "const " : "") + "int* restrict _mc_counts";
    case Kind::Totals: return "__global long* restrict _mc_totals";
    case Kind::GenSteps: return "__global const long* restrict _mc_gsteps";
    case Kind::GenIdx: return "__global const int* restrict _mc_gidx";
    case Kind::Col: return "__global const long* restrict _mc_col";
    case Kind::ColSyn: return "__global const int* restrict _mc_colsyn";
    case Kind::Seg: return "__global const long* restrict _mc_seg";
    case Kind::Perm: return "__global const int* restrict _mc_perm";
    case Kind::Depth: return "const long _mc_depth";
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

}  // namespace

std::string kernel_param_decl(const EmitContext& c, const KernelParam& prm) { return param_decl(c, prm); }

namespace {

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
  if (emit_v2_kernel_body(c, plan, o)) {
    o += "}\n\n";
    return;
  }
  switch (d.kind) {
    case Domain::Kind::Neurons: {
      // IR v2: a range [offset, offset + size) of the population; "i" stays the population index.
      const int64_t first = d.size > 0 ? d.offset : 0;
      const int64_t n = d.size > 0 ? d.offset + d.size : c.p.populations[plan.population].size;
      o += "  const long i = (long)get_global_id(0) + " + int_text(first) + ";\n  if (i >= " + int_text(n) + ") return;\n";
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
    case Domain::Kind::SynapticEvents: {  // the slot of step - delay is set by the host
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
      if (plan.gather) {
        const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
        o += "  const long j = (long)get_global_id(0);\n  if (j >= " + int_text(sg.target_size) + ") return;\n";
        o += "  const long _mc_cend = _mc_col[j + 1];\n";
        o += "  for (long _mc_c = _mc_col[j]; _mc_c < _mc_cend; ++_mc_c) {\n";
        o += "    const long syn = _mc_colsyn[_mc_c];\n    const long i = _mc_pre[syn];\n";
        c.printer.block(without_conflicts(k.body), 2, o);
        o += "  }\n";
        break;
      }
      o += "  const long syn = (long)get_global_id(0);\n  if (syn >= _mc_n) return;\n";
      o += "  const long i = _mc_pre[syn];\n  const long j = _mc_post[syn];\n";
      c.printer.block(k.body, 1, o);
      break;
    default: break;  // IR v2 domains: emit_v2_kernel_body
  }
  o += "}\n\n";
}

// Copies the recorded neurons' values of one sample into the monitor's device buffers (slot
// `sample` of the current recording chunk); the host converts to double when it pulls them.
void emit_state_recorder(EmitContext& c, size_t mi, std::string& o) {
  const kir::Monitor& mon = c.p.monitors[mi];
  const int pk = c.population_index(mon.population);
  const bool synapses = !mon.synapses.empty();  // IR v2: `_mc_idx` holds CSR positions
  if (pk < 0 && !synapses) return;  // reported by the host emitter
  const int64_t pop_size = synapses ? 0 : c.p.populations[pk].size;
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
    std::string at = synapses ? "_mc_idx[k]" : b.size == 1 && pop_size != 1 ? "0" : int_text(mon.offset) + " + _mc_idx[k]";
    o += "  _mc_o" + std::to_string(v) + "[_mc_sample * _mc_nidx + k] = _mc_b" + std::to_string(v) + "[" + at + "];\n";
  }
  o += "}\n\n";
}

}  // namespace

bool EmitContext::needs_transpose(int g) const {
  if (g < 0 || g >= static_cast<int>(p.synapse_groups.size())) return false;
  if (p.synapse_groups[g].needs_transpose) return true;
  for (const auto& plan : plans)
    if (plan.kernel && plan.gather && plan.group == g) return true;
  return false;
}

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
int EmitContext::list_index(int pk, const std::string& event) const {
  for (size_t l = 0; l < lists.size(); ++l) {
    if (lists[l].population != pk) continue;
    const int e = lists[l].event;
    if (e < 0 ? (event.empty() || event == "spike") : p.populations[pk].events[e].name == event) return static_cast<int>(l);
  }
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

// The event list `event` of population `pk` for `who`, reporting a missing event.
static int need_list(EmitContext& c, int pk, const std::string& event, const std::string& who) {
  int l = c.list_index(pk, event);
  if (l < 0) c.error(who + " uses event '" + event + "', which population '" + c.p.populations[pk].name + "' does not have");
  return l;
}

static void plan_lists(EmitContext& c) {
  c.lists.clear();
  for (size_t k = 0; k < c.p.populations.size(); ++k)
    c.lists.push_back({static_cast<int>(k), -1, std::max<int64_t>(1, c.p.populations[k].history), "pop" + std::to_string(k)});
  for (size_t k = 0; k < c.p.populations.size(); ++k)
    for (size_t e = 0; e < c.p.populations[k].events.size(); ++e)
      c.lists.push_back({static_cast<int>(k), static_cast<int>(e), std::max<int64_t>(1, c.p.populations[k].events[e].history),
                         "pop" + std::to_string(k) + "_ev" + std::to_string(e)});
}

// The domain-specific part of a plan: population / group / list / pathway and the parameters
// after the buffers. Returns false when the kernel cannot be emitted (errors are reported).
static bool plan_domain(EmitContext& c, const kir::Kernel& k, bool emits, KernelPlan& plan) {
  const Domain& d = k.domain;
  const std::string who = "kernel '" + k.name + "'";
  using DK = Domain::Kind;
  if (d.kind == DK::Neurons || d.kind == DK::Spikes || d.kind == DK::SpikeGenerator) {
    plan.population = c.population_index(d.population);
    if (plan.population < 0) {
      c.error(who + " runs over unknown population '" + d.population + "'");
      return false;
    }
    const kir::Population& pop = c.p.populations[plan.population];
    if (d.kind == DK::SpikeGenerator) {
      if (!pop.generator) {
        c.error("spike generator " + who + " runs over a population without a generator table");
        return false;
      }
      plan.list = plan.population;
      for (Kind kd : {Kind::GenSteps, Kind::GenIdx}) plan.params.push_back({kd, ""});
      plan.params.push_back({Kind::Spikes, "", false});
      plan.params.push_back({Kind::Counts, "", false});
      plan.params.push_back({Kind::Totals, "", false});
      return true;
    }
    if (d.kind == DK::Neurons && d.size > 0 && (d.offset < 0 || d.offset + d.size > pop.size)) {
      c.error(who + " covers a range outside its population");
      return false;
    }
    if (emits && d.kind == DK::Spikes)
      c.error(who + " emits spikes from a spikes domain", "emit spikes from a neurons-domain threshold kernel");
    if (d.kind == DK::Neurons && emits) {
      plan.emits = true;
      plan.list = need_list(c, plan.population, k.event, who);
      plan.params.push_back({Kind::Flags, "", false});
    }
    if (d.kind == DK::Spikes) {
      plan.list = need_list(c, plan.population, d.event, who);
      plan.params.push_back({Kind::Spikes, ""});
      plan.params.push_back({Kind::Counts, ""});
    }
    return plan.list >= 0 || !(emits || d.kind == DK::Spikes);
  }
  if (emits) c.error(who + " emits spikes from a synapse domain");
  plan.group = c.group_index(d.synapses);
  if (plan.group < 0) {
    c.error(who + " runs over unknown synapse group '" + d.synapses + "'");
    return false;
  }
  const kir::SynapseGroup& sg = c.p.synapse_groups[plan.group];
  if (d.kind == DK::Synapses) {
    bool any = false;
    plan.gather = conflicts_only_at_target(k.body, any) && any;
    if (plan.gather)
      for (Kind kd : {Kind::Col, Kind::ColSyn, Kind::Pre}) plan.params.push_back({kd, ""});
    else
      for (Kind kd : {Kind::Pre, Kind::Post, Kind::SynCount}) plan.params.push_back({kd, ""});
    return true;
  }
  // Event-driven synapse domains: the pathway names the triggering event and its delay (a v1
  // program's SynapticEvents has no pathway: the group's delay, spikes).
  const kir::SynapseGroup::Pathway* pw = d.pathway.empty() ? sg.find_pathway("pre") : sg.find_pathway(d.pathway);
  if (!pw && (d.kind != DK::SynapticEvents || !d.pathway.empty())) {
    c.error(who + " serves unknown pathway '" + d.pathway + "' of synapse group '" + sg.name + "'");
    return false;
  }
  if (pw) plan.pathway = static_cast<int>(pw - sg.pathways.data());
  const bool post = pw && pw->post;
  if ((d.kind == DK::PostSynapticEvents) != post && d.kind != DK::QueuedEvents) {
    c.error(who + ": pathway '" + pw->name + "' of '" + sg.name + "' is " + (post ? "a post" : "a pre") +
            " pathway, which its launch domain does not serve");
    return false;
  }
  if (post && !sg.needs_transpose) c.error("synapse group '" + sg.name + "' has a post pathway but no transposed index");
  const std::string& popname = post ? sg.target : sg.source;
  plan.population = c.population_index(popname);
  if (plan.population < 0) {
    c.error("synapse group '" + sg.name + "' has unknown " + (post ? "target" : "source") + " population '" + popname + "'");
    return false;
  }
  const std::string event = pw ? pw->event : d.event;
  plan.list = need_list(c, plan.population, event, who);
  if (plan.list < 0) return false;
  plan.delay = d.kind == DK::SynapticEvents && !pw ? sg.delay_steps : pw->delay_steps;
  if (d.kind == DK::QueuedEvents) {
    if (pw->delay_buffer.empty() || c.buffer_index(pw->delay_buffer) < 0) {
      c.error(who + ": pathway '" + pw->name + "' of '" + sg.name + "' has no per-synapse delay buffer");
      return false;
    }
    for (Kind kd : {Kind::Spikes, Kind::Counts, Kind::Seg, Kind::Perm, Kind::Pre, Kind::Post, Kind::Depth})
      plan.params.push_back({kd, ""});
    return true;
  }
  if (plan.delay >= c.lists[plan.list].history) {
    c.error("synapse group '" + sg.name + "' has a delay of " + std::to_string(plan.delay) + " steps but population '" +
            popname + "' keeps only " + std::to_string(c.lists[plan.list].history) + " steps of " +
            (event.empty() ? std::string("spike") : event) + " events");
    return false;
  }
  plan.params.push_back({Kind::Spikes, ""});
  plan.params.push_back({Kind::Counts, ""});
  if (d.kind == DK::PostSynapticEvents)
    for (Kind kd : {Kind::Col, Kind::ColSyn, Kind::Pre, Kind::Post}) plan.params.push_back({kd, ""});
  else
    for (Kind kd : {Kind::Row, Kind::Post}) plan.params.push_back({kd, ""});
  return true;
}

// The strategy passes choose only what a target declares (BackendCapabilities::features); a program
// lowered for another target (e.g. the CPU's) may hold strategies this backend does not implement.
// Refuse them by name rather than emit code that ignores them.
static void check_strategies(EmitContext& c) {
  const std::string hint = "lower the model for the opencl backend (--backend opencl), or use the cpu backend";
  for (const auto& sg : c.p.synapse_groups) {
    const kir::Connectivity& cn = sg.connectivity;
    if (cn.storage != kir::Connectivity::Storage::Sparse || cn.index_bits != 32 || !cn.keep_pre)
      c.error("synapse group '" + sg.name + "' is stored as " + kir::storage_name(cn.storage) +
                  (cn.index_bits != 32 ? " with " + std::to_string(cn.index_bits) + "-bit indices" : "") +
                  (cn.keep_pre ? "" : " without pre indices") + ", which the opencl backend does not implement",
              hint);
    for (const auto& pw : sg.pathways)
      if (pw.buffering == kir::SynapseGroup::Pathway::Buffering::Dendritic)
        c.error("pathway '" + pw.name + "' of '" + sg.name + "' uses a dendritic delay ring, which the opencl backend does not implement", hint);
  }
  for (const auto& k : c.p.kernels)
    if (!k.dispatch.empty())
      c.error("kernel '" + k.name + "' fuses the propagation of several synapse groups, which the opencl backend does not implement", hint);
  for (const auto& k : c.p.kernels)
    if (!k.merged.empty())
      c.error("kernel '" + k.name + "' merges the neuron kernels of " + std::to_string(k.merged.size()) +
                  " populations (fusion:merged-groups), which the opencl backend does not implement", hint);
}

void plan_kernels(EmitContext& c) {
  std::map<std::string, kir::Type> types;
  for (const auto& b : c.p.buffers) types[b.name] = b.type;
  c.printer.set_buffer_types(std::move(types));
  c.plans.clear();
  check_strategies(c);
  plan_lists(c);
  for (size_t idx = 0; idx < c.p.kernels.size(); ++idx) {
    const kir::Kernel& k = c.p.kernels[idx];
    KernelPlan plan;
    plan.index = idx;
    plan.kernel = &k;
    kir::BufferAccesses acc;
    kir::collect_accesses(k.body, acc);
    const std::set<std::string>& reads = acc.loads;
    const std::set<std::string>& writes = acc.stores;
    bool emits = k.emits_spikes || acc.emits;
    if (k.domain.kind == Domain::Kind::SpikeGenerator) emits = false;  // writes its list directly
    bool ok = true;
    for (const auto& names : {reads, writes})
      for (const auto& n : names)
        if (c.buffer_index(n) < 0) {
          c.error("kernel '" + k.name + "' uses unknown buffer '" + n + "'");
          ok = false;
        }
    if (k.every_steps < 1) {
      c.error("kernel '" + k.name + "' runs every " + std::to_string(k.every_steps) + " steps");
      ok = false;
    }
    std::set<std::string> all = reads;
    all.insert(writes.begin(), writes.end());
    for (const auto& n : all) plan.params.push_back({Kind::Buffer, n, writes.count(n) == 0});
    ok = plan_domain(c, k, emits, plan) && ok;
    plan.params.push_back({Kind::Seed, ""});
    plan.params.push_back({Kind::Step, ""});
    plan.params.push_back({Kind::Slot, ""});
    if (!ok) plan.kernel = nullptr;  // not emitted; errors are reported
    c.plans.push_back(std::move(plan));
  }
}

std::string emit_device_source(EmitContext& c, const std::string& prelude) {
  // Escaped and in a line comment: a newline or "*/" in the free-text model name cannot inject code.
  std::string o = "// Generated by modelc (opencl backend) for model " + modelc::cpu::detail::c_string(c.p.model_name) +
                  ". Do not edit.\n";
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
    else emit_spike_variable_recorder(c, mi, o);
  return o;
}

}  // namespace modelc::opencl::detail
