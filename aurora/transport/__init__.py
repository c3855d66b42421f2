"""L2: the only code that opens sockets (http.client pool, TLS, proxies, retries)."""
