// Test models that force each connectivity storage ("connectivity" on every synapse group, docs/ir.md)
// on variants of examples/cuba.json, for the tests that compare or compile the storages on every
// backend (test_gpu_equivalence.cpp, test_cuda_backend.cpp, test_opencl_codegen.cpp).
//
// Every group here has shared weights and each kernel adds one constant (or zero) per synapse, so
// the accumulation into a target gives the same value whatever order the device's atomics take:
// fl(v + w) applied k times is the same sequence of roundings in any order. The spike trains must
// then be identical to the CPU backend's in double precision.
#pragma once

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model_runner.h"

namespace modelc::testing {

struct StorageVariant {
  std::string name;        // file stem
  std::string duration;
  std::string storage;     // forced on every synapse group
  bool syn_draws = false;  // Ce's on_pre adds we or 0 by a draw keyed by syn (dense, bitmask only)
  bool rules = false;      // plus one-to-one and all-to-all groups (procedural rows without draws)
  int64_t n = 4000;        // N: the rows of Ce span several 64-thread tiles of targets or words
};

inline void PrintTo(const StorageVariant& v, std::ostream* os) { *os << v.name; }

inline std::vector<StorageVariant> storage_variants() {
  return {
      {"cuba_dense", "300 ms", "dense"},
      {"cuba_bitmask", "300 ms", "bitmask"},
      {"cuba_procedural", "300 ms", "procedural"},
      {"cuba_dense_syn_draws", "200 ms", "dense", true, false, 5000},
      {"cuba_bitmask_syn_draws", "200 ms", "bitmask", true, false, 9000},
      {"cuba_procedural_rules", "200 ms", "procedural", false, true, 2000},
  };
}

// Writes the variant into `dir` and returns its path.
inline std::filesystem::path write_storage_variant(const StorageVariant& v, const std::filesystem::path& dir) {
  std::ifstream in(source_root() / "examples/cuba.json");
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  j["name"] = v.name;
  j["parameters"]["N"] = v.n;
  j["simulation"]["duration"] = v.duration;
  auto& syn = j["synapses"];
  if (v.syn_draws) syn[0]["on_pre"] = "ge += we * floor(2 * rand())";
  if (v.rules) {
    syn.push_back({{"name", "Co"}, {"source", "P[0:int(0.8*N)]"}, {"target", "P[0:int(0.8*N)]"},
                   {"on_pre", "ge += 0.5*mV"}, {"connect", {{"rule", "one_to_one"}}}});
    syn.push_back({{"name", "Ca"}, {"source", "P[int(0.8*N):N]"}, {"target", "P"}, {"on_pre", "gi -= 0.01*mV"},
                   {"connect", {{"rule", "all_to_all"}}}});
  }
  for (auto& g : syn) g["connectivity"] = v.storage;
  std::filesystem::create_directories(dir);
  const std::filesystem::path out = dir / (v.name + ".json");
  std::ofstream(out) << j.dump(1);
  return out;
}

}  // namespace modelc::testing
