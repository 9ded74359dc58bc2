"""The versioned JSON API (django-ninja): schemas and routers only; the parts' services do the
work."""
