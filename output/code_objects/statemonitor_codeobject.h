#ifndef _INCLUDED_statemonitor_codeobject
#define _INCLUDED_statemonitor_codeobject

void _run_statemonitor_codeobject();


#endif
