"""The orders REST API: checkout and orders, pipeline actions, payment notifications, returns, products."""
