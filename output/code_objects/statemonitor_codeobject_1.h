#ifndef _INCLUDED_statemonitor_codeobject_1
#define _INCLUDED_statemonitor_codeobject_1

void _run_statemonitor_codeobject_1();


#endif
