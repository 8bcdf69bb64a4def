/* A hand-written model module implementing abi/modelc_abi.h, compiled by test_simulation.cpp
 * at test time. Its behaviour is fixed so the tests can predict every recorded value:
 *   - population "P" of 3 neurons; neuron i spikes at every step s with s % 5 == i
 *   - variable P_v: v[i] = 10 * i + s at the start of step s (it counts steps)
 *   - synapse group "S": P -> P, synapse k connects k -> (k + 1) % 3
 *   - monitor 0 "spk":   spikes of P (whole population)
 *   - monitor 1 "st":    state of P, variable v of neurons {0, 2}, every 2 steps, at step start
 *   - monitor 2 "rate":  rate of P, every step
 * Build switches for the loader's error paths: -DFAKE_ABI_VERSION=n reports another ABI version;
 * -DFAKE_OMIT_DESTROY leaves out mc_destroy; -DFAKE_FAIL_INIT makes mc_init fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/modelc_abi.h"

#ifndef FAKE_ABI_VERSION
#define FAKE_ABI_VERSION MC_ABI_VERSION
#endif

#define N 3
#define NUM_SYN 3
#define STATE_EVERY 2

static const mc_var_info vars[] = {{"P_v", "P", "v", "volt", MC_DOUBLE, 0, N}};
static const mc_population_info pops[] = {{"P", N}};
static const mc_synapse_info syns[] = {{"S", "P", "P"}};
static const char* const state_vars[] = {"v"};
static const char* const state_units[] = {"volt"};
static const int64_t state_indices[] = {0, 2};
static const mc_monitor_info monitors[] = {
    {"spk", "P", MC_MON_SPIKES, 0, NULL, NULL, 0, NULL, 1, N},
    {"st", "P", MC_MON_STATE, 1, state_vars, state_units, 2, state_indices, STATE_EVERY, N},
    {"rate", "P", MC_MON_RATE, 0, NULL, NULL, 0, NULL, 1, N},
};
static const mc_model_info info = {FAKE_ABI_VERSION, "fake", "fake-cpu", 1e-3, 20, 42, MC_DOUBLE,
                                   1, vars, 1, pops, 1, syns, 3, monitors};

struct mc_module {
  int64_t step;
  int initialised;
  double v[N];
  int64_t spikes;
  /* growable recordings: *_len counts entries, each array has its own capacity */
  int32_t* spk_i;
  int64_t* spk_step;
  int64_t spk_len, spk_i_cap, spk_step_cap;
  int64_t* st_step;
  double* st_v;
  int64_t st_len, st_step_cap, st_v_cap;
  double* rate;
  int64_t rate_len, rate_cap;
  char error[256];
};

static int grow(void** p, int64_t* cap, int64_t need, size_t elem) {
  if (need <= *cap) return 0;
  int64_t new_cap = *cap ? *cap * 2 : 16;
  while (new_cap < need) new_cap *= 2;
  void* q = realloc(*p, (size_t)new_cap * elem);
  if (!q) return 1;
  *p = q;
  *cap = new_cap;
  return 0;
}

const mc_model_info* mc_get_info(void) { return &info; }

mc_module* mc_create(const mc_options* options, char* error, size_t error_size) {
  mc_module* m = (mc_module*)calloc(1, sizeof(mc_module));
  if (!m && error && error_size) snprintf(error, error_size, "out of memory");
  (void)options;
  return m;
}

int mc_init(mc_module* m) {
#ifdef FAKE_FAIL_INIT
  snprintf(m->error, sizeof m->error, "fake init failure");
  return 1;
#else
  for (int i = 0; i < N; ++i) m->v[i] = 10.0 * i;
  m->initialised = 1;
  return 0;
#endif
}

int mc_run(mc_module* m, int64_t steps) {
  if (!m->initialised) {
    snprintf(m->error, sizeof m->error, "mc_run before mc_init");
    return 1;
  }
  for (int64_t k = 0; k < steps; ++k, ++m->step) {
    int64_t s = m->step;
    if (s % STATE_EVERY == 0) {
      if (grow((void**)&m->st_step, &m->st_step_cap, m->st_len + 1, sizeof(int64_t)) ||
          grow((void**)&m->st_v, &m->st_v_cap, 2 * (m->st_len + 1), sizeof(double)))
        return 1;
      m->st_step[m->st_len] = s;
      m->st_v[2 * m->st_len] = m->v[0];
      m->st_v[2 * m->st_len + 1] = m->v[2];
      ++m->st_len;
    }
    for (int i = 0; i < N; ++i) m->v[i] += 1.0;
    int count = 0;
    for (int i = 0; i < N; ++i) {
      if (s % 5 != i) continue;
      if (grow((void**)&m->spk_i, &m->spk_i_cap, m->spk_len + 1, sizeof(int32_t)) ||
          grow((void**)&m->spk_step, &m->spk_step_cap, m->spk_len + 1, sizeof(int64_t)))
        return 1;
      m->spk_i[m->spk_len] = i;
      m->spk_step[m->spk_len] = s;
      ++m->spk_len;
      ++count;
    }
    m->spikes += count;
    if (grow((void**)&m->rate, &m->rate_cap, m->rate_len + 1, sizeof(double))) return 1;
    m->rate[m->rate_len++] = count / (double)N / info.dt;
  }
  return 0;
}

int64_t mc_current_step(const mc_module* m) { return m->step; }

int64_t mc_var_size(const mc_module* m, int32_t var) { return var == 0 ? N : -1; }

int mc_read_var(mc_module* m, int32_t var, void* dst) {
  if (var != 0) return 1;
  memcpy(dst, m->v, sizeof m->v);
  return 0;
}

int mc_write_var(mc_module* m, int32_t var, const void* src) {
  if (var != 0) return 1;
  memcpy(m->v, src, sizeof m->v);
  return 0;
}

int64_t mc_synapse_count(const mc_module* m, int32_t group) { return group == 0 ? NUM_SYN : -1; }

int mc_read_synapses(mc_module* m, int32_t group, int32_t* pre, int32_t* post) {
  if (group != 0) return 1;
  for (int k = 0; k < NUM_SYN; ++k) {
    pre[k] = k;
    post[k] = (k + 1) % N;
  }
  return 0;
}

int64_t mc_spike_count(const mc_module* m, int32_t population) {
  return population == 0 ? m->spikes : -1;
}

int64_t mc_monitor_length(const mc_module* m, int32_t monitor) {
  switch (monitor) {
    case 0: return m->spk_len;
    case 1: return m->st_len;
    case 2: return m->rate_len;
  }
  return -1;
}

int mc_monitor_read(mc_module* m, int32_t monitor, int32_t field, void* dst) {
  size_t spk = (size_t)m->spk_len, st = (size_t)m->st_len, rate = (size_t)m->rate_len;
  if (monitor == 0 && field == 0) memcpy(dst, m->spk_i, spk * sizeof(int32_t));
  else if (monitor == 0 && field == 1) memcpy(dst, m->spk_step, spk * sizeof(int64_t));
  else if (monitor == 1 && field == 0) memcpy(dst, m->st_step, st * sizeof(int64_t));
  else if (monitor == 1 && field == 1) memcpy(dst, m->st_v, st * 2 * sizeof(double));
  else if (monitor == 2 && field == 0) memcpy(dst, m->rate, rate * sizeof(double));
  else {
    snprintf(m->error, sizeof m->error, "no field %d in monitor %d", field, monitor);
    return 1;
  }
  return 0;
}

const char* mc_last_error(const mc_module* m) { return m->error; }

#ifndef FAKE_OMIT_DESTROY
void mc_destroy(mc_module* m) {
  if (!m) return;
  free(m->spk_i);
  free(m->spk_step);
  free(m->st_step);
  free(m->st_v);
  free(m->rate);
  free(m);
}
#endif
