"""Operability: Prometheus metrics at /metrics, JSON logs with a request id (docs/operations.md).

- :mod:`.context` keeps the current request (request id, municipality) for log records;
- :mod:`.middleware` sets the request id and counts requests and their latency;
- :mod:`.metrics` defines the metrics and the scrape view;
- :mod:`.logging` holds the JSON and plain log formatters.
"""
