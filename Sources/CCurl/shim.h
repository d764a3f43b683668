#ifndef VERIFYD_CCURL_SHIM_H
#define VERIFYD_CCURL_SHIM_H
// libcurl's headers, found through pkg-config (Debian: libcurl4-openssl-dev).
#include <curl/curl.h>
#endif
