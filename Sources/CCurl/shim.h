// CCurl: libcurl for Swift.
//
// Swift cannot call C variadic functions, and curl_easy_setopt, curl_easy_getinfo and
// curl_multi_setopt are variadic. Each wrapper below fixes the type of the one variadic argument,
// which is all libcurl needs to read it back correctly (a long, a pointer, a curl_off_t or a
// function pointer are passed differently). Nothing else belongs here.
#pragma once
#include <curl/curl.h>

// Options taking a long: flags, timeouts in ms, limits.
static inline CURLcode belfry_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

// Options taking a pointer: strings (copied by libcurl), slists, user data, the error buffer.
static inline CURLcode belfry_curl_easy_setopt_ptr(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

// Options taking a curl_off_t (the *_LARGE ones): a long is not the same vararg on every ABI.
static inline CURLcode belfry_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION: a function pointer is passed as such, not
// as a data pointer.
static inline CURLcode belfry_curl_easy_setopt_write_callback(CURL *handle, CURLoption option,
                                                              curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// CURLINFO_* values that are a long (CURLINFO_RESPONSE_CODE).
static inline CURLcode belfry_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
