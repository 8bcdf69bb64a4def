// Loads a model (examples/cuba.json, made small), compiles it, runs it and prints the spike count
// of every population: the smallest program that embeds modelc.
#include <iostream>

#include <modelc/modelc.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: embedding MODEL.json\n";
    return 2;
  }
  auto model = modelc::Model::from_file(argv[1], {{"N", "400"}});
  if (model) model = model->with_duration("100 ms");
  if (!model) {
    std::cerr << model.error().text;  // the diagnostics, as `modelc check` prints them
    return 1;
  }
  auto module = model->compile();
  if (!module) {
    std::cerr << module.error().text;
    return 1;
  }
  auto sim = module->simulation(/*seed=*/1);
  if (!sim) {
    std::cerr << sim.error().text;
    return 1;
  }
  if (auto st = sim->run_to_end(); !st) {
    std::cerr << st.error().text;
    return 1;
  }
  for (const auto& population : module->info().populations)
    std::cout << population.name << ": " << *sim->spike_count(population.name) << " spikes in "
              << sim->time() << " s\n";
  std::cout << "modelc " << modelc::version() << " from " << modelc::installation().data_dir.string() << "\n";
  return 0;
}
