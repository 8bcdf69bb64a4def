// Cooperative handling of SIGINT / SIGTERM in every phase of a run. The handler only records the
// signal; each phase (reading sidecars, passes, the host compiler, network construction inside the
// module, simulation chunks, writing results) polls interrupt_requested() at points at most about a
// second apart and unwinds on its normal error path, so temporary directories are removed and
// earlier results stay untouched. Generated modules poll interrupt_flag() (mc_options::cancel).
// A second signal restores the default action and re-raises it: a user whose run is stuck can
// still kill it with a second Ctrl-C.
#pragma once

#include <cstdint>

namespace modelc::support {

// Installs the handlers for its lifetime and restores the previous ones on destruction. Not
// nestable: one guard per process at a time (the CLI's run command).
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

bool interrupt_requested();
int interrupt_signal();  // the first signal received since the last clear, or 0
void clear_interrupt();
// Behaves as if `signal` had been delivered (tests, and callers that stop for their own reasons).
void request_interrupt(int signal);
// Non-zero once a signal was received: the word generated modules poll (mc_options::cancel).
const volatile int32_t* interrupt_flag();

// The conventional shell exit status for a run stopped by `signal`: 128 + signal (130 for SIGINT).
int interrupt_exit_code(int signal);

// What the process is doing, for the handler's message ("compiling the model"). `phase` must be a
// string literal (or outlive the phase): the handler reads it asynchronously.
void set_phase(const char* phase);
const char* current_phase();

// Sets the phase for a scope and restores the previous one.
class PhaseScope {
 public:
  explicit PhaseScope(const char* phase) : previous_(current_phase()) { set_phase(phase); }
  ~PhaseScope() { set_phase(previous_); }
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;

 private:
  const char* previous_;
};

}  // namespace modelc::support
