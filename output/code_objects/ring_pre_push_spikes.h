#ifndef _INCLUDED_ring_pre_push_spikes
#define _INCLUDED_ring_pre_push_spikes

void _run_ring_pre_push_spikes();


#endif
