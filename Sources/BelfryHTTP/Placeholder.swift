// libcurl behind HTTPTransport.
