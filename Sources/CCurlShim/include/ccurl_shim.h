#ifndef VERIFYD_CCURL_HELPERS_H
#define VERIFYD_CCURL_HELPERS_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: typed wrappers.
CURLcode verifyd_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode verifyd_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode verifyd_curl_set_pointer(CURL *handle, CURLoption option, void *value);
long verifyd_curl_response_code(CURL *handle);
// curl_multi_setopt is variadic too.
CURLMcode verifyd_curl_multi_set_long(CURLM *multi, CURLMoption option, long value);
// CURLINFO_PRIVATE: the pointer set with CURLOPT_PRIVATE.
void *verifyd_curl_private(CURL *handle);
// CURLINFO_ACTIVESOCKET: the socket of a CURLOPT_CONNECT_ONLY connection, -1 when there is none.
int verifyd_curl_active_socket(CURL *handle);
// A finished transfer from curl_multi_info_read: 1 and its handle and result when `message` is CURLMSG_DONE, else 0
// (CURLMsg's result sits in a union).
int verifyd_curl_message_done(CURLMsg *message, CURL **handle, CURLcode *result);

// CURLOPT_*, CURLMOPT_* and CURLUSESSL_* values, since some are macros Swift does not import.
extern const CURLoption verifyd_CURLOPT_URL;
extern const CURLoption verifyd_CURLOPT_USERNAME;
extern const CURLoption verifyd_CURLOPT_PASSWORD;
extern const CURLoption verifyd_CURLOPT_USE_SSL;
extern const CURLoption verifyd_CURLOPT_TIMEOUT_MS;
extern const CURLoption verifyd_CURLOPT_CONNECTTIMEOUT_MS;
extern const CURLoption verifyd_CURLOPT_SERVER_RESPONSE_TIMEOUT;
extern const CURLoption verifyd_CURLOPT_NOSIGNAL;
extern const CURLoption verifyd_CURLOPT_CAINFO;
extern const CURLoption verifyd_CURLOPT_PRIVATE;
extern const CURLoption verifyd_CURLOPT_CONNECT_ONLY;
extern const CURLMoption verifyd_CURLMOPT_MAX_HOST_CONNECTIONS;
extern const CURLMoption verifyd_CURLMOPT_MAX_TOTAL_CONNECTIONS;
extern const CURLMoption verifyd_CURLMOPT_MAXCONNECTS;
extern const long verifyd_CURLUSESSL_NONE;
extern const long verifyd_CURLUSESSL_TRY;
extern const long verifyd_CURLUSESSL_ALL;
#endif
