/* The one rule that turns a synaptic delay into whole steps, shared by the compiler (homogeneous
 * delays, rounded when the kernel IR is built) and by generated modules (heterogeneous delays,
 * rounded at mc_init): Brian2's C++ spike queue, (int)(delay / dt + 0.5), half up. Delays are
 * never negative here (the model reader refuses negative ones). Plain C for generated code. */
#ifndef MODELC_DELAY_ROUNDING_H
#define MODELC_DELAY_ROUNDING_H

#include <math.h>
#include <stdint.h>

/* As a double, so that generated code can refuse NaN and absurd delays before converting. */
static inline double mc_delay_steps_real(double delay, double dt) { return floor(delay / dt + 0.5); }
static inline int64_t mc_delay_steps(double delay, double dt) { return (int64_t)mc_delay_steps_real(delay, dt); }

#endif
