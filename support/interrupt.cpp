#include "support/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace modelc::support {

namespace {

// Lock-free so that the handler's store is async-signal-safe.
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);
// The same information as a plain word that C code in generated modules can read.
volatile int32_t g_flag = 0;
std::atomic<const char*> g_phase{nullptr};
static_assert(std::atomic<const char*>::is_always_lock_free);

struct sigaction g_old_int, g_old_term;

void write_stderr(const char* s) {
  ssize_t ignored = ::write(STDERR_FILENO, s, std::strlen(s));  // strlen, write: async-signal-safe
  (void)ignored;
}

extern "C" void on_signal(int sig) {
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, sig)) {
    // Second signal: the user insists. Default action, re-raised (both async-signal-safe).
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  g_flag = 1;
  write_stderr("\nmodelc: interrupted");
  if (const char* phase = g_phase.load()) {
    write_stderr(" while ");
    write_stderr(phase);
  }
  write_stderr("; stopping (again to abort at once)\n");
}

}  // namespace

InterruptGuard::InterruptGuard() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  // SA_RESTART: a signal arriving while we wait for the host compiler or write results must not
  // turn into spurious EINTR failures; the flag is polled afterwards anyway.
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

bool interrupt_requested() { return g_signal.load() != 0; }
int interrupt_signal() { return g_signal.load(); }
void clear_interrupt() {
  g_signal.store(0);
  g_flag = 0;
}
void request_interrupt(int signal) {
  int expected = 0;
  if (g_signal.compare_exchange_strong(expected, signal)) g_flag = 1;
}
const volatile int32_t* interrupt_flag() { return &g_flag; }
int interrupt_exit_code(int signal) { return 128 + (signal > 0 ? signal : SIGINT); }

void set_phase(const char* phase) { g_phase.store(phase); }
const char* current_phase() { return g_phase.load(); }

}  // namespace modelc::support
