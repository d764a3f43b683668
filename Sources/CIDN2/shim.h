#ifndef VERIFYD_CIDN2_SHIM_H
#define VERIFYD_CIDN2_SHIM_H
// libidn2's header, found through pkg-config's include path (`pkg-config --cflags libidn2`).
#include <idn2.h>
#endif
