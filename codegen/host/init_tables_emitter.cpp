// Buffer::init_values and spike generator tables of the host modules: static data written once,
// then copied into the state (CPU) or uploaded (OpenCL) by each backend's own store.
#include "codegen/host/host_emitters.h"

namespace modelc::codegen::host {

using support::double_text;
using support::int_text;

namespace {

void emit_double_table(std::string& o, const std::string& name, const std::vector<double>& v) {
  o += "static const double " + name + "[] = {";
  for (size_t k = 0; k < v.size(); ++k) o += (k % 8 ? ", " : (k ? ",\n  " : "\n  ")) + double_text(v[k]);
  o += v.empty() ? "0};\n" : "};\n";
}

}  // namespace

void emit_init_tables(HostContext& c) {
  const kir::Program& p = c.p;
  for (size_t b = 0; b < p.buffers.size(); ++b)
    if (!p.buffers[b].init_values.empty()) emit_double_table(c.out, "_mc_init" + std::to_string(b), p.buffers[b].init_values);
  for (size_t k = 0; k < p.populations.size(); ++k) {
    if (!p.populations[k].generator) continue;
    const auto& t = *p.populations[k].generator;
    std::string ks = std::to_string(k);
    for (int side = 0; side < 2; ++side) {
      const auto& v = side ? t.indices : t.steps;
      c.out += "static const int64_t _mc_gen" + ks + (side ? "_idx" : "_steps") + "[] = {";
      for (size_t n = 0; n < v.size(); ++n) c.out += (n % 16 ? ", " : (n ? ",\n  " : "\n  ")) + int_text(v[n]);
      c.out += v.empty() ? "0};\n" : "};\n";
    }
  }
}

void emit_init_values(HostContext& c, bool synapses, const std::function<void(size_t, const std::string&)>& store) {
  const kir::Program& p = c.p;
  for (size_t b = 0; b < p.buffers.size(); ++b) {
    const kir::Buffer& buf = p.buffers[b];
    if (buf.init_values.empty() || per_synapse(buf) != synapses) continue;
    const std::string n = int_text(static_cast<int64_t>(buf.init_values.size()));
    if (!synapses) {
      if (static_cast<int64_t>(buf.init_values.size()) != buf.size) {
        c.error("buffer '" + buf.name + "' has " + std::to_string(buf.init_values.size()) + " initial values for " +
                std::to_string(buf.size) + " elements");
        continue;
      }
      store(b, int_text(buf.size));
      continue;
    }
    int g = c.group_index(buf.owner);
    if (g < 0) continue;  // reported where the buffer is allocated
    const std::string count = "m->syn" + std::to_string(g) + (c.partitioned ? "_total" : "_n");
    // The synapse count is known only once connect<g> ran: a mismatch is a run-time error.
    c.out += "  if (" + count + " != " + n + ") { snprintf(m->error, sizeof m->error, \"the initial array of " + buf.owner +
             "." + buf.variable + " has " + n + " values, but %lld synapses were created\", (long long)" + count +
             "); m->failed = 1; return 1; }\n";
    store(b, n);
  }
}

}  // namespace modelc::codegen::host
