"""What an operator sees of a running walletguard: JSON logs, Prometheus metrics and
OpenTelemetry traces.

Nothing here knows a route, a model or a use case: the HTTP edge (``http.middleware``)
and the audit log (``audit.service``) call in with what they already hold, so the
modules stay below every domain and a service can count an event without importing the
web framework. What may be written out, and what never is, is decided in ``logs``.
"""
