/* The C API (modelc_c.h), compiled as C: load with overrides, errors with their diagnostics,
 * compile, two independent simulations, state read/write, monitors, cancellation, results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelc/modelc_c.h"

static int failures = 0;
#define CHECK(cond)                                                     \
  do {                                                                  \
    if (!(cond)) {                                                      \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                       \
    }                                                                   \
  } while (0)

static int stop_after_two(void* user, int64_t step, int64_t last_step, double realtime) {
  int* calls = (int*)user;
  (void)step;
  (void)last_step;
  (void)realtime;
  return ++*calls >= 2;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s CUBA_JSON RESULTS_DIR\n", argv[0]);
    return 2;
  }
  const char* overrides[] = {"N=400", NULL};
  modelc_model* model = NULL;

  /* Errors: the handle exists and holds the message and the diagnostics. */
  const char* bad_overrides[] = {"N", NULL};
  CHECK(modelc_model_load_file(argv[1], bad_overrides, &model) == MODELC_INVALID_ARGUMENT);
  CHECK(strstr(modelc_model_error_message(model), "NAME=VALUE") != NULL);
  modelc_model_free(model);
  CHECK(modelc_model_load_string("{\"modelc_ir\": 1, \"name\": \"x\", \"simulation\": {\"duration\": \"3 mV\"}}", NULL,
                                 &model) == MODELC_INVALID_MODEL);
  CHECK(modelc_model_diagnostic_count(model) > 0);
  {
    const char *message = NULL, *pointer = NULL, *caret = NULL, *hint = NULL;
    int found = 0;
    for (size_t k = 0; k < modelc_model_diagnostic_count(model); ++k) {
      CHECK(modelc_model_diagnostic(model, k, &message, &pointer, &caret, &hint) == MODELC_OK);
      CHECK(message != NULL && pointer != NULL && caret != NULL && hint != NULL);
      if (strcmp(pointer, "/simulation/duration") == 0) found = 1;
    }
    CHECK(found);
    CHECK(strstr(modelc_model_error_text(model), "error:") != NULL);
  }
  modelc_model_free(model);

  CHECK(modelc_model_load_file(argv[1], overrides, &model) == MODELC_OK);
  CHECK(strcmp(modelc_model_error_message(model), "") == 0);
  CHECK(strcmp(modelc_model_name(model), "cuba") == 0);
  CHECK(modelc_model_set_duration(model, "100 ms") == MODELC_OK);

  modelc_compile_options options;
  modelc_compile_options_init(&options);
  options.backend = "cpx";
  modelc_module* module = NULL;
  CHECK(modelc_model_compile(model, &options, &module) != MODELC_OK);
  CHECK(module == NULL);
  CHECK(strstr(modelc_model_error_text(model), "did you mean 'cpu'?") != NULL);
  options.backend = "cpu";
  if (modelc_model_compile(model, &options, &module) != MODELC_OK) {
    fprintf(stderr, "compile failed:\n%s", modelc_model_error_text(model));
    return 1;
  }
  CHECK(modelc_module_steps(module) == 1000);
  CHECK(modelc_module_dt(module) == 1e-4);

  modelc_simulation *a = NULL, *b = NULL;
  CHECK(modelc_module_simulation(module, 1, 0, 0, &a) == MODELC_OK);
  CHECK(modelc_module_simulation(module, 1, 0, 0, &b) == MODELC_OK);
  modelc_module_free(module); /* the simulations keep the code loaded */

  /* State: set every v above threshold in b only. */
  modelc_type type;
  int64_t size = 0;
  const char* unit = NULL;
  CHECK(modelc_simulation_variable(b, "P", "v", &type, &size, &unit) == MODELC_OK);
  CHECK(type == MODELC_DOUBLE && size == 400 && strcmp(unit, "volt") == 0);
  double* v = (double*)malloc(sizeof(double) * 400);
  CHECK(modelc_simulation_read(b, "P", "v", MODELC_DOUBLE, v, 400) == MODELC_OK);
  CHECK(v[0] >= -0.0600001 && v[0] <= -0.0499999);
  for (int k = 0; k < 400; ++k) v[k] = 0.0;
  CHECK(modelc_simulation_write(b, "P", "v", MODELC_DOUBLE, v, 400) == MODELC_OK);
  CHECK(modelc_simulation_write(b, "P", "v", MODELC_FLOAT, v, 400) == MODELC_INVALID_ARGUMENT);
  CHECK(strstr(modelc_simulation_error_message(b), "float64") != NULL);
  CHECK(modelc_simulation_read(b, "P", "vv", MODELC_DOUBLE, v, 400) == MODELC_INVALID_ARGUMENT);
  CHECK(modelc_simulation_run(a, 1, NULL, NULL) == MODELC_OK);
  CHECK(modelc_simulation_run(b, 1, NULL, NULL) == MODELC_OK);
  int64_t na = 0, nb = 0;
  CHECK(modelc_simulation_spike_count(a, "P", &na) == MODELC_OK);
  CHECK(modelc_simulation_spike_count(b, "P", &nb) == MODELC_OK);
  CHECK(nb == 400);
  CHECK(na < 400);
  free(v);

  /* Cancellation by the progress callback; the simulation stays usable. */
  int calls = 0;
  CHECK(modelc_simulation_run(a, 999, stop_after_two, &calls) == MODELC_CANCELLED);
  CHECK(calls == 2);
  CHECK(modelc_simulation_current_step(a) < 1000);
  CHECK(modelc_simulation_run(a, 1000 - modelc_simulation_current_step(a), NULL, NULL) == MODELC_OK);
  CHECK(modelc_simulation_current_step(a) == 1000);

  /* Monitors. */
  const int32_t* i = NULL;
  const double* t = NULL;
  int64_t n = 0;
  CHECK(modelc_simulation_spikes(a, "spikes", &i, &t, &n) == MODELC_OK);
  CHECK(n > 0);
  CHECK(modelc_simulation_spike_count(a, "P", &na) == MODELC_OK);
  CHECK(n == na);
  CHECK(i[0] >= 0 && i[0] < 400 && t[n - 1] < 0.1);
  const double* values = NULL;
  int64_t samples = 0, columns = 0;
  CHECK(modelc_simulation_state(a, "v_trace", "v", &values, &t, &samples, &columns) == MODELC_OK);
  CHECK(samples == 100 && columns == 3);
  CHECK(modelc_simulation_state(a, "spikes", "v", &values, &t, &samples, &columns) == MODELC_INVALID_ARGUMENT);
  const double* rate = NULL;
  CHECK(modelc_simulation_rate(a, "rate", &rate, &t, &n) == MODELC_OK);
  CHECK(n == 1000);
  CHECK(modelc_simulation_run_for(a, "2 volt", NULL, NULL) == MODELC_INVALID_ARGUMENT);
  CHECK(strstr(modelc_simulation_error_text(a), "must be a time") != NULL);

  CHECK(modelc_simulation_write_results(a, argv[2], 0) == MODELC_OK);
  modelc_simulation_free(a);
  modelc_simulation_free(b);
  modelc_model_free(model);

  CHECK(strcmp(modelc_status_name(MODELC_CANCELLED), "cancelled") == 0);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("modelc C API %s: all checks passed\n", modelc_version());
  return 0;
}
