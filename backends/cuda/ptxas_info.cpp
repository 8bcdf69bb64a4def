#include "backends/cuda/ptxas_info.h"

#include <cstdlib>
#include <sstream>

namespace modelc::backends::cuda {

namespace {

// The text after "ptxas <tag> : " or after the "ptxas   ." of a continuation line; empty otherwise.
std::string ptxas_message(const std::string& line) {
  const size_t p = line.find("ptxas");
  if (p == std::string::npos) return {};
  const size_t k = line.find_first_not_of(' ', p + 5);
  if (k == std::string::npos) return {};
  size_t start = std::string::npos;
  if (line[k] == '.')
    start = k + 1;  // a continuation line (the stack frame and spills)
  else if (line.compare(k, 4, "info") == 0 && line.find(':', k) != std::string::npos)
    start = line.find(':', k) + 1;
  if (start == std::string::npos) return {};  // warnings and anything else
  start = line.find_first_not_of(' ', start);
  return start == std::string::npos ? std::string() : line.substr(start);
}

// The name between the first pair of single quotes after `from`.
std::string quoted(const std::string& s, size_t from = 0) {
  const size_t a = s.find('\'', from);
  if (a == std::string::npos) return {};
  const size_t b = s.find('\'', a + 1);
  return b == std::string::npos ? std::string() : s.substr(a + 1, b - a - 1);
}

int64_t leading_number(const std::string& item) {
  const size_t k = item.find_first_of("0123456789");
  return k == std::string::npos ? 0 : std::strtoll(item.c_str() + k, nullptr, 10);
}

bool has(const std::string& s, const char* word) { return s.find(word) != std::string::npos; }

// "0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads" or "Used 18 registers, ...".
void read_items(const std::string& text, PtxasFunction& f) {
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const int64_t n = leading_number(item);
    if (has(item, "stack frame")) f.stack_frame = n;
    else if (has(item, "spill stores")) f.spill_stores = n;
    else if (has(item, "spill loads")) f.spill_loads = n;
    else if (has(item, "registers")) f.registers = static_cast<int>(n);
    else if (has(item, "barriers")) f.barriers = static_cast<int>(n);
    else if (has(item, "bytes smem")) f.shared = n;
    else if (has(item, "bytes lmem")) f.local = n;
    else if (has(item, "bytes cmem[")) f.constant += n;
  }
}

}  // namespace

std::vector<PtxasFunction> parse_ptxas_info(const std::string& log) {
  std::vector<PtxasFunction> out;
  // The function the next property or usage lines describe (-1: none).
  long current = -1;
  auto find_or_add = [&](const std::string& name) {
    for (size_t k = 0; k < out.size(); ++k)
      if (out[k].name == name) return static_cast<long>(k);
    out.push_back(PtxasFunction{});
    out.back().name = name;
    return static_cast<long>(out.size() - 1);
  };
  std::stringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    const std::string m = ptxas_message(line);
    if (m.empty()) continue;
    if (m.rfind("Compiling entry function", 0) == 0) {
      const std::string name = quoted(m);
      if (name.empty()) continue;
      current = find_or_add(name);
      out[current].entry = true;
      out[current].arch = quoted(m, m.find(" for "));
    } else if (m.rfind("Function properties for ", 0) == 0) {
      std::string name = m.substr(24);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\r')) name.pop_back();
      current = name.empty() ? -1 : find_or_add(name);
    } else if (current >= 0 && has(m, "bytes stack frame")) {
      read_items(m, out[current]);
    } else if (current >= 0 && m.rfind("Used ", 0) == 0) {
      read_items(m, out[current]);
      out[current].has_usage = true;
    }
  }
  return out;
}

}  // namespace modelc::backends::cuda
