// The spelling of the SIMT kernel templates (internal to codegen/simt): the dialect's words for the
// {tokens} of a template, and the one block-wide prefix sum every kernel that ranks something in a
// block uses (spike compaction, rows of dense / bitmask / procedural storages, the row pointers of
// device-built connectivity).
#pragma once

#include <string>

#include "codegen/simt/gpu_dialect.h"
#include "support/format.h"

namespace modelc::codegen::simt {

// The dialect's spellings for the tokens of the kernel templates below: {kernel}, {g} (the global
// address space with its trailing blank, or nothing), {restrict}, {long}, {ulong}, {uchar}, {f64},
// {gid}, {tid}, {bid}, {bsize}, {nblocks}, {sync_shared}, {sync_global}. Other braces stay as they are.
class Spell {
 public:
  explicit Spell(const GpuDialect& d) : d_(d) {}

  std::string operator()(const std::string& text) const {
    static const char* const kTokens[] = {"kernel", "g",     "restrict", "long",    "ulong",       "uchar",      "f64", "gid",
                                          "tid",    "bid",   "bsize",    "nblocks", "sync_shared", "sync_global"};
    std::string out;
    out.reserve(text.size() + 64);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '{') {
        const size_t close = text.find('}', i + 1);
        if (close != std::string::npos && close - i <= 12) {
          const std::string key = text.substr(i + 1, close - i - 1);
          bool known = false;
          for (const char* t : kTokens) known = known || key == t;
          if (known) {
            out += value(key);
            i = close;
            continue;
          }
        }
      }
      out += text[i];
    }
    return out;
  }

  // A 64-bit integer literal (the suffix only where int32 does not hold it).
  std::string int_text(int64_t v) const { return support::int_text(v, d_.int64_suffix.c_str()); }

 private:
  std::string value(const std::string& k) const {
    if (k == "kernel") return d_.kernel;
    if (k == "g") return d_.global.empty() ? "" : d_.global + " ";
    if (k == "restrict") return d_.restrict_;
    if (k == "long") return d_.int64;
    if (k == "ulong") return d_.uint64;
    if (k == "uchar") return d_.uint8;
    if (k == "f64") return d_.float64;
    if (k == "gid") return d_.global_id;
    if (k == "tid") return d_.thread_id;
    if (k == "bid") return d_.block_id;
    if (k == "bsize") return d_.block_size;
    if (k == "nblocks") return d_.grid_blocks;
    if (k == "sync_shared") return d_.barrier_shared;
    return d_.barrier_global;
  }
  const GpuDialect& d_;
};

// Inclusive prefix sum over `array`[0 .. block size) (Hillis-Steele) of element type `type` (a
// template word such as "{long}", or "int"), each thread having stored its own entry; every thread
// of the block must reach it.
inline std::string block_scan(const Spell& s, const std::string& ind, const std::string& array = "_mc_scan",
                              const std::string& type = "{long}") {
  return s(ind + "{sync_shared};\n" + ind + "for (int _mc_o = 1; _mc_o < (int){bsize}; _mc_o <<= 1) {\n" + ind + "  const " +
           type + " _mc_add = (int){tid} >= _mc_o ? " + array + "[{tid} - _mc_o] : 0;\n" + ind + "  {sync_shared};\n" + ind +
           "  " + array + "[{tid}] += _mc_add;\n" + ind + "  {sync_shared};\n" + ind + "}\n");
}

}  // namespace modelc::codegen::simt
