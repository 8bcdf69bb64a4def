// OpenCL backend code generation without a device: the dialect printer, the offline syntax check
// of every generated program with clang (so a codegen error shows even on machines without an
// OpenCL driver), and the unsupported-construct diagnostics.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "backends/host_compiler.h"
#include "model_runner.h"
#include "storage_variants.h"
#include "driver/driver.h"

#ifdef MODELC_HAVE_OPENCL
#include "backends/opencl/opencl_backend.h"
#include "backends/opencl/opencl_devices.h"
#include "backends/opencl/opencl_printer.h"

namespace modelc::testing {
namespace {

namespace fs = std::filesystem;

// Model files are order-sensitive (constants may use earlier constants): keep key order on rewrite.
nlohmann::ordered_json read_ordered(const fs::path& p) {
  std::ifstream in(p.is_absolute() ? p : source_root() / p);
  return nlohmann::ordered_json::parse(in);
}
using kir::Type;

// Exposes the protected hooks through the public printer entry points.
kir::Stmt accumulate(const std::string& buffer, Type value_type, bool conflicting, ir::Op op = ir::Op::Add) {
  kir::Stmt s;
  s.kind = kir::Stmt::Kind::Accumulate;
  s.name = buffer;
  s.index = kir::builtin("j", Type::Int64);
  s.value = kir::lit(1.5, value_type);
  s.op = op;
  s.conflicting = conflicting;
  return s;
}

TEST(OpenCLPrinter, DialectDifferences) {
  backends::opencl::OpenCLPrinter p;
  p.set_buffer_types({{"ge", Type::Double}, {"gf", Type::Float}});
  EXPECT_EQ(p.type_name(Type::Int64), "long");
  EXPECT_EQ(p.type_name(Type::Int32), "int");
  EXPECT_EQ(p.type_name(Type::Double), "mc_f64");
  EXPECT_EQ(p.storage_type_name(Type::Bool), "uchar");  // no bool in global memory in OpenCL 1.2
  EXPECT_EQ(p.buffer_pointer(Type::Float, "v", true), "__global const float* restrict v");
  // Overloaded built-ins: no f suffix; the mc_ helpers keep theirs.
  EXPECT_EQ(p.expr(kir::call("exp", {kir::lit(1.0, Type::Float)}, Type::Float)), "exp(1.0f)");
  EXPECT_EQ(p.expr(kir::call("exprel", {kir::lit(1.0, Type::Float)}, Type::Float)), "mc_exprelf(1.0f)");
  EXPECT_EQ(p.expr(kir::lit_int(int64_t{1} << 40)), "1099511627776L");
  EXPECT_EQ(p.stmt(accumulate("ge", Type::Double, true)), "mc_atomic_add_double(&ge[j], ((mc_f64)1.5));\n");
  EXPECT_EQ(p.stmt(accumulate("gf", Type::Float, true, ir::Op::Sub)), "mc_atomic_add_float(&gf[j], -(1.5f));\n");
  EXPECT_EQ(p.stmt(accumulate("ge", Type::Double, false)), "ge[j] += ((mc_f64)1.5);\n");
  kir::Stmt spike;
  spike.kind = kir::Stmt::Kind::EmitSpike;
  spike.index = kir::builtin("i", Type::Int64);
  EXPECT_EQ(p.stmt(spike), "_mc_flags[i] = (uchar)1;\n");
}

bool have_clang() { return system("clang --version > /dev/null 2>&1") == 0; }

// A copy of `model` with a different precision (and a shorter duration: codegen does not care).
fs::path variant(const fs::path& model, const std::string& precision, const fs::path& dir) {
  nlohmann::ordered_json j = read_ordered(model);
  j["simulation"]["precision"] = precision;
  fs::path out = dir / (model.stem().string() + "_" + precision + ".json");
  std::ofstream(out) << j.dump(1);
  return out;
}

class OpenCLSyntax : public ::testing::TestWithParam<std::string> {};

TEST_P(OpenCLSyntax, GeneratedProgramPassesClang) {
  if (!have_clang()) GTEST_SKIP() << "clang not installed";
  const fs::path dir = fs::temp_directory_path() / ("modelc-ocl-syntax-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const char* precision : {"double", "float"}) {
    fs::path model = variant(source_root() / GetParam(), precision, dir);
    driver::PipelineOptions options;
    options.backend = "opencl";  // the passes choose strategies for the target
    passes::CompilationUnit unit;
    driver::PhaseTimings timings;
    DiagnosticEngine diags;
    const bool lowered = driver::lower_model(model.string(), options, unit, timings, diags);
    backends::GeneratedSources src;
    if (lowered) {
      ASSERT_TRUE(unit.program);
      backends::opencl::OpenCLBackend backend;
      backends::BuildOptions bo;
      src = backend.emit(*unit.program, bo, diags);
    }
    ASSERT_TRUE(lowered) << diags.render(model.string());
    ASSERT_FALSE(diags.has_errors()) << diags.render(model.string());
    ASSERT_TRUE(src.files.count("kernels.cl") && src.files.count("model.cpp"));
    const fs::path cl = dir / (model.stem().string() + ".cl");
    std::ofstream(cl) << src.files["kernels.cl"];
    // With fp64 and 64-bit atomics (GPUs, PoCL), and for float models also without fp64.
    std::vector<std::vector<std::string>> configs = {{"-Xclang", "-cl-ext=+cl_khr_fp64,+cl_khr_int64_base_atomics"}};
    if (std::string(precision) == "float") configs.push_back({"-DMC_FORCE_NO_FP64"});
    for (const auto& extra : configs) {
      std::vector<std::string> argv = {"clang", "-x", "cl", "-cl-std=CL1.2", "-fsyntax-only", "-Werror=implicit-function-declaration",
                                       "-Xclang", "-finclude-default-header"};
      argv.insert(argv.end(), extra.begin(), extra.end());
      argv.push_back(cl.string());
      const fs::path log = dir / "clang.log";
      std::string error;
      int rc = modelc::backends::run_process(argv, log, error);
      std::ifstream in(log);
      std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(rc, 0) << modelc::backends::join_command(argv) << "\n" << error << output;
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// Every example and golden model (IR v1 and v2).
std::vector<std::string> all_models() {
  std::vector<std::string> out;
  for (const char* dir : {"examples", "tests/golden/models"})
    for (const auto& e : fs::directory_iterator(source_root() / dir))
      if (e.path().extension() == ".json") out.push_back(std::string(dir) + "/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Models, OpenCLSyntax, ::testing::ValuesIn(all_models()));

// The forced connectivity storages (storage_variants.h), in double and float, float also without
// fp64: the procedural probability rows are fp64-only code the host module refuses to run without
// it, but the program must still compile there.
class OpenCLStorageSyntax : public ::testing::TestWithParam<StorageVariant> {};

TEST_P(OpenCLStorageSyntax, GeneratedProgramPassesClang) {
  if (!have_clang()) GTEST_SKIP() << "clang not installed";
  const fs::path dir = fs::temp_directory_path() / ("modelc-ocl-storage-" + std::to_string(getpid()));
  const fs::path base = write_storage_variant(GetParam(), dir);
  for (const char* precision : {"double", "float"}) {
    const fs::path model = variant(base, precision, dir);
    driver::PipelineOptions options;
    options.backend = "opencl";
    passes::CompilationUnit unit;
    driver::PhaseTimings timings;
    DiagnosticEngine diags;
    ASSERT_TRUE(driver::lower_model(model.string(), options, unit, timings, diags)) << diags.render(model.string());
    for (const auto& g : unit.program->synapse_groups)
      EXPECT_STREQ(kir::storage_name(g.connectivity.storage), GetParam().storage.c_str()) << g.name;
    backends::opencl::OpenCLBackend backend;
    backends::BuildOptions bo;
    backends::GeneratedSources src = backend.emit(*unit.program, bo, diags);
    ASSERT_FALSE(diags.has_errors()) << diags.render(model.string());
    const fs::path cl = dir / (model.stem().string() + ".cl");
    std::ofstream(cl) << src.files["kernels.cl"];
    std::vector<std::vector<std::string>> configs = {{"-Xclang", "-cl-ext=+cl_khr_fp64,+cl_khr_int64_base_atomics"}};
    if (std::string(precision) == "float") configs.push_back({"-DMC_FORCE_NO_FP64"});
    for (const auto& extra : configs) {
      std::vector<std::string> argv = {"clang", "-x", "cl", "-cl-std=CL1.2", "-fsyntax-only", "-Werror=implicit-function-declaration",
                                       "-Xclang", "-finclude-default-header"};
      argv.insert(argv.end(), extra.begin(), extra.end());
      argv.push_back(cl.string());
      const fs::path log = dir / "clang.log";
      std::string error;
      const int rc = modelc::backends::run_process(argv, log, error);
      std::ifstream in(log);
      std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(rc, 0) << modelc::backends::join_command(argv) << "\n" << error << output;
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

INSTANTIATE_TEST_SUITE_P(ForcedStorages, OpenCLStorageSyntax, ::testing::ValuesIn(storage_variants()),
                         [](const ::testing::TestParamInfo<StorageVariant>& info) { return info.param.name; });

// The SIMT emitter implements every strategy the CPU backend declares but distributed runs
// (codegen/simt/launch_plan.h, simt_features), so both GPU backends list the CPU's features less
// partition:ranks, plus the GPU-only propagation:postsynaptic (a thread per target), and a program lowered for the CPU target (CUBA: sparse u16 without pre indices,
// fused propagation of Ce and Ci) emits for OpenCL as it is.
TEST(OpenCLStrategies, EveryCpuStrategyButRanks) {
  auto& registry = backends::BackendRegistry::instance();
  std::set<std::string> expected = registry.create("cpu")->capabilities().features;
  expected.erase("partition:ranks");
  expected.insert("propagation:postsynaptic");
  for (const char* gpu : {"opencl", "cuda"}) {
    if (auto b = registry.create(gpu)) {
      EXPECT_EQ(b->capabilities().features, expected) << gpu;
    }
  }
  driver::PipelineOptions options;  // backend "cpu"
  passes::CompilationUnit unit;
  driver::PhaseTimings timings;
  DiagnosticEngine diags;
  const std::string model = (source_root() / "examples/cuba.json").string();
  ASSERT_TRUE(driver::lower_model(model, options, unit, timings, diags)) << diags.render(model);
  const kir::SynapseGroup* ce = unit.program->find_synapse_group("Ce");
  ASSERT_TRUE(ce);
  EXPECT_EQ(ce->connectivity.index_bits, 16);
  EXPECT_FALSE(ce->connectivity.keep_pre);
  EXPECT_TRUE(std::any_of(unit.program->kernels.begin(), unit.program->kernels.end(),
                          [](const kir::Kernel& k) { return k.dispatch.size() == 2; }));
  backends::opencl::OpenCLBackend backend;
  backends::BuildOptions bo;
  const backends::GeneratedSources src = backend.emit(*unit.program, bo, diags);
  EXPECT_FALSE(diags.has_errors()) << diags.render(model);
  ASSERT_TRUE(src.files.count("kernels.cl"));
  EXPECT_NE(src.files.at("kernels.cl").find("__global const ushort* restrict _mc_post"), std::string::npos);
  EXPECT_EQ(src.files.at("model.cpp").find("syn0_dpre = mc_buf"), std::string::npos) << "the pre array is dropped";
}

TEST(OpenCLDevices, DescribesOpenCL) {
  std::string s = backends::opencl::describe_compute_devices();
  EXPECT_NE(s.find("OpenCL"), std::string::npos) << s;
  EXPECT_EQ(s.find("CUDA:"), std::string::npos) << "the CUDA section is cuda_devices.h's:\n" << s;
}

}  // namespace
}  // namespace modelc::testing
#endif  // MODELC_HAVE_OPENCL
