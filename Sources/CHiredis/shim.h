#ifndef VERIFYD_CHIREDIS_SHIM_H
#define VERIFYD_CHIREDIS_SHIM_H
// hiredis' headers, found through pkg-config's include path (`pkg-config --cflags hiredis`).
#include <hiredis.h>
#include <read.h>
#endif
