#ifndef _INCLUDED_ring_pre_codeobject
#define _INCLUDED_ring_pre_codeobject

void _run_ring_pre_codeobject();

void _debugmsg_ring_pre_codeobject();

#endif
