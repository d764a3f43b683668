#include "ccurl_shim.h"

CURLcode verifyd_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode verifyd_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode verifyd_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLMcode verifyd_curl_multi_set_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

void *verifyd_curl_private(CURL *handle) {
    void *pointer = NULL;
    curl_easy_getinfo(handle, CURLINFO_PRIVATE, (char **)&pointer);
    return pointer;
}

int verifyd_curl_message_done(CURLMsg *message, CURL **handle, CURLcode *result) {
    if (message == NULL || message->msg != CURLMSG_DONE) return 0;
    *handle = message->easy_handle;
    *result = message->data.result;
    return 1;
}

int verifyd_curl_active_socket(CURL *handle) {
    curl_socket_t socket = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(handle, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK) return -1;
    return socket == CURL_SOCKET_BAD ? -1 : (int)socket;
}

long verifyd_curl_response_code(CURL *handle) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

const CURLoption verifyd_CURLOPT_URL = CURLOPT_URL;
const CURLoption verifyd_CURLOPT_USERNAME = CURLOPT_USERNAME;
const CURLoption verifyd_CURLOPT_PASSWORD = CURLOPT_PASSWORD;
const CURLoption verifyd_CURLOPT_USE_SSL = CURLOPT_USE_SSL;
const CURLoption verifyd_CURLOPT_TIMEOUT_MS = CURLOPT_TIMEOUT_MS;
const CURLoption verifyd_CURLOPT_CONNECTTIMEOUT_MS = CURLOPT_CONNECTTIMEOUT_MS;
const CURLoption verifyd_CURLOPT_SERVER_RESPONSE_TIMEOUT = CURLOPT_SERVER_RESPONSE_TIMEOUT;
const CURLoption verifyd_CURLOPT_NOSIGNAL = CURLOPT_NOSIGNAL;
const CURLoption verifyd_CURLOPT_CAINFO = CURLOPT_CAINFO;
const CURLoption verifyd_CURLOPT_PRIVATE = CURLOPT_PRIVATE;
const CURLoption verifyd_CURLOPT_CONNECT_ONLY = CURLOPT_CONNECT_ONLY;
const CURLMoption verifyd_CURLMOPT_MAX_HOST_CONNECTIONS = CURLMOPT_MAX_HOST_CONNECTIONS;
const CURLMoption verifyd_CURLMOPT_MAX_TOTAL_CONNECTIONS = CURLMOPT_MAX_TOTAL_CONNECTIONS;
const CURLMoption verifyd_CURLMOPT_MAXCONNECTS = CURLMOPT_MAXCONNECTS;
const long verifyd_CURLUSESSL_NONE = CURLUSESSL_NONE;
const long verifyd_CURLUSESSL_TRY = CURLUSESSL_TRY;
const long verifyd_CURLUSESSL_ALL = CURLUSESSL_ALL;
