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

CURLcode verifyd_curl_set_read_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, function);
}

long verifyd_curl_response_code(CURL *handle) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

const CURLoption verifyd_CURLOPT_URL = CURLOPT_URL;
const CURLoption verifyd_CURLOPT_MAIL_FROM = CURLOPT_MAIL_FROM;
const CURLoption verifyd_CURLOPT_MAIL_RCPT = CURLOPT_MAIL_RCPT;
const CURLoption verifyd_CURLOPT_USERNAME = CURLOPT_USERNAME;
const CURLoption verifyd_CURLOPT_PASSWORD = CURLOPT_PASSWORD;
const CURLoption verifyd_CURLOPT_USE_SSL = CURLOPT_USE_SSL;
const CURLoption verifyd_CURLOPT_UPLOAD = CURLOPT_UPLOAD;
const CURLoption verifyd_CURLOPT_READDATA = CURLOPT_READDATA;
const CURLoption verifyd_CURLOPT_INFILESIZE_LARGE = CURLOPT_INFILESIZE_LARGE;
const CURLoption verifyd_CURLOPT_TIMEOUT_MS = CURLOPT_TIMEOUT_MS;
const CURLoption verifyd_CURLOPT_CONNECTTIMEOUT_MS = CURLOPT_CONNECTTIMEOUT_MS;
const CURLoption verifyd_CURLOPT_SERVER_RESPONSE_TIMEOUT = CURLOPT_SERVER_RESPONSE_TIMEOUT;
const CURLoption verifyd_CURLOPT_NOSIGNAL = CURLOPT_NOSIGNAL;
const CURLoption verifyd_CURLOPT_SSL_VERIFYPEER = CURLOPT_SSL_VERIFYPEER;
const CURLoption verifyd_CURLOPT_SSL_VERIFYHOST = CURLOPT_SSL_VERIFYHOST;
const CURLoption verifyd_CURLOPT_CAINFO = CURLOPT_CAINFO;
const CURLoption verifyd_CURLOPT_LOGIN_OPTIONS = CURLOPT_LOGIN_OPTIONS;
const long verifyd_CURLUSESSL_NONE = CURLUSESSL_NONE;
const long verifyd_CURLUSESSL_TRY = CURLUSESSL_TRY;
const long verifyd_CURLUSESSL_ALL = CURLUSESSL_ALL;
