"""What the clients send: steady sends (sends), floods, slow and idle connections (floods), malformed requests
(malformed, malformed_http, malformed_json) and the probe process that measures latency meanwhile (probe)."""
