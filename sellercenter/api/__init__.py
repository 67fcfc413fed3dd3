"""The REST API's shared parts: authentication, shop access, errors, idempotency, schema, routing."""
