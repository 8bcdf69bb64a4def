#ifndef _INCLUDED_ring_pre_push_spikes_before
#define _INCLUDED_ring_pre_push_spikes_before

void _before_run_ring_pre_push_spikes();

#endif
