// Cooperative handling of SIGINT / SIGTERM for long runs. The handler only records the signal;
// the run loop polls interrupt_requested() between chunks of steps, so the model is never stopped
// in the middle of a step and every cleanup (temporary directories, partial results) runs on the
// normal code path. A second signal restores the default action and re-raises it: a user whose run
// is stuck (e.g. inside a long network construction) can still kill it with a second Ctrl-C.
#pragma once

namespace modelc::runtime {

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

// The conventional shell exit status for a run stopped by `signal`: 128 + signal (130 for SIGINT).
int interrupt_exit_code(int signal);

}  // namespace modelc::runtime
