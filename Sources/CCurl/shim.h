// CCurl: libcurl for Swift. Swift cannot call the variadic curl_easy_setopt, so typed wrappers
// live here (added by BelfryHTTP's needs).
#pragma once
#include <curl/curl.h>
