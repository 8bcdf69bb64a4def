// Connection rules of synapse groups (docs/ir.md; IR v2 additions in docs/ir-v2.md): probability
// and condition (which may read pre/post variables), one-to-one, all-to-all, explicit pairs (inline
// or .npy), `n` synapses per pair, and Brian2's generator syntax for `j` with `skip_if_invalid`.
#include "frontend/connect_generator.h"
#include "frontend/model_reader_impl.h"
#include "frontend/parser.h"

namespace modelc::frontend::detail {

void Reader::read_connect(const json& c, const std::string& cp, ir::SynapseGroup& syn) {
  syn.connect.json_pointer = cp;
  if (!check_fields(c, cp, {"p", "condition", "rule", "i", "j", "n", "skip_if_invalid"}, {})) return;
  if (!require_v2(c, cp, {"n", "skip_if_invalid"})) return;
  if (c.contains("j") && c["j"].is_string()) {
    read_connect_generator(c, cp, syn);
  } else {
    if (c.contains("rule")) {
      if (c.size() != 1u + (c.contains("n") ? 1u : 0u)) diags_.error("'rule' cannot be combined with other connect fields", cp);
      if (c["rule"] == "one_to_one") syn.connect.kind = ir::ConnectSpec::Kind::OneToOne;
      else if (c["rule"] == "all_to_all") syn.connect.kind = ir::ConnectSpec::Kind::AllToAll;
      else diags_.error("unknown connect rule " + c["rule"].dump(), join_pointer(cp, "rule"),
                        "use \"one_to_one\" or \"all_to_all\"");
      if (syn.connect.kind == ir::ConnectSpec::Kind::OneToOne &&
          syn.source.stop - syn.source.start != syn.target.stop - syn.target.start)
        diags_.error("one_to_one needs source and target of equal size (" +
                         std::to_string(syn.source.stop - syn.source.start) + " vs " +
                         std::to_string(syn.target.stop - syn.target.start) + ")",
                     cp);
    } else if ((c.contains("i") && c["i"].is_object()) || (c.contains("j") && c["j"].is_object())) {
      // IR v2: explicit pairs from .npy sidecars.
      syn.connect.kind = ir::ConnectSpec::Kind::Explicit;
      const int64_t ns = syn.source.stop - syn.source.start, nt = syn.target.stop - syn.target.start;
      if (!c.contains("i") || !c.contains("j")) {
        diags_.error("explicit connections need both 'i' and 'j'", cp);
      } else if (require_v2(c, cp, {"i"})) {
        auto a = index_array(c["i"], join_pointer(cp, "i"), "presynaptic index", ns);
        auto b = index_array(c["j"], join_pointer(cp, "j"), "postsynaptic index", nt);
        if (a && b && a->size() != b->size())
          diags_.error("explicit connections need 'i' and 'j' of equal length (" + std::to_string(a->size()) + " vs " +
                           std::to_string(b->size()) + ")",
                       cp);
        else if (a && b) {
          syn.connect.i = *a;
          syn.connect.j = *b;
        }
      }
    } else if (c.contains("i") || c.contains("j")) {
      syn.connect.kind = ir::ConnectSpec::Kind::Explicit;
      if (!c.contains("i") || !c.contains("j") || !c["i"].is_array() || !c["j"].is_array() || c["i"].size() != c["j"].size()) {
        diags_.error("explicit connections need integer arrays 'i' and 'j' of equal length", cp);
      } else {
        const int64_t ns = syn.source.stop - syn.source.start, nt = syn.target.stop - syn.target.start;
        for (size_t k = 0; k < c["i"].size(); ++k) {
          const auto& a = c["i"][k];
          const auto& b = c["j"][k];
          if (!a.is_number_integer() || !b.is_number_integer() || a.get<int64_t>() < 0 || a.get<int64_t>() >= ns ||
              b.get<int64_t>() < 0 || b.get<int64_t>() >= nt) {
            diags_.error("connection " + std::to_string(k) + " (" + a.dump() + ", " + b.dump() +
                             ") is not a pair of indices inside the source (size " + std::to_string(ns) +
                             ") and target (size " + std::to_string(nt) + ")",
                         join_pointer(join_pointer(cp, "i"), k));
            break;
          }
          syn.connect.i.push_back(a.get<int64_t>());
          syn.connect.j.push_back(b.get<int64_t>());
        }
      }
    } else if (c.contains("p") || c.contains("condition")) {
      syn.connect.kind = ir::ConnectSpec::Kind::Probability;
      if (c.contains("p")) syn.connect.p = expression(c["p"], join_pointer(cp, "p"), "connection probability");
      if (c.contains("condition"))
        syn.connect.condition = expression(c["condition"], join_pointer(cp, "condition"), "connection condition");
    } else {
      diags_.error("'connect' needs one of 'p', 'condition', 'rule' or 'i'/'j'", cp,
                   "e.g. {\"p\": 0.02} or {\"rule\": \"one_to_one\"}");
    }
  }
  if (c.contains("n")) {
    std::string np = join_pointer(cp, "n");
    if (syn.connect.kind == ir::ConnectSpec::Kind::Explicit) {
      diags_.error("'n' cannot be combined with explicit 'i'/'j' arrays", np, "repeat the pairs in the arrays instead");
    } else if (c["n"].is_number_integer()) {
      if (c["n"].get<int64_t>() < 0) diags_.error("'n' must not be negative", np);
      else if (c["n"].get<int64_t>() != 1) syn.connect.n = ir::Expr::number_lit(static_cast<double>(c["n"].get<int64_t>()), true);
    } else if (c["n"].is_string()) {
      syn.connect.n = expression(c["n"], np, "number of synapses per pair");
    } else {
      diags_.error("'n' must be an integer or an expression of i and j", np, "e.g. \"n\": 2 or \"n\": \"1 + (i + j) % 2\"");
    }
    // One-to-one and all-to-all are conditions in Brian2; n applies to them as to any generated rule.
  }
  if (c.contains("skip_if_invalid")) {
    std::string sp = join_pointer(cp, "skip_if_invalid");
    if (!c["skip_if_invalid"].is_boolean()) diags_.error("'skip_if_invalid' must be true or false", sp);
    else syn.connect.skip_if_invalid = c["skip_if_invalid"].get<bool>();
    if (syn.connect.skip_if_invalid && syn.connect.kind == ir::ConnectSpec::Kind::Explicit)
      diags_.error("'skip_if_invalid' only applies to generated connections (a \"j\" expression)", sp,
                   "explicit index arrays must be inside the groups");
  }
}

void Reader::read_connect_generator(const json& c, const std::string& cp, ir::SynapseGroup& syn) {
  std::string jp = join_pointer(cp, "j");
  if (model_.ir_version < 2) {
    diags_.error("a \"j\" expression needs IR version 2", jp, "set \"modelc_ir\": 2 at the top of the file (docs/ir-v2.md)");
    return;
  }
  for (const char* other : {"i", "p", "condition", "rule"})
    if (c.contains(other)) {
      diags_.error(std::string("'") + other + "' cannot be combined with a \"j\" generator expression",
                   join_pointer(cp, other),
                   std::string(other) == "p" ? "use the generator's sampling: \"k for k in sample(N_post, p=0.1)\""
                                             : "put the condition into the generator: \"k for k in range(N_post) if ...\"");
      return;
    }
  auto g = parse_connect_generator(support::make_source(c["j"].get<std::string>(), jp), diags_);
  if (!g) return;
  syn.connect.kind = ir::ConnectSpec::Kind::Generator;
  syn.connect.generator = std::move(*g);
}

}  // namespace modelc::frontend::detail
