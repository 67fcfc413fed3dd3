from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Cursor pages: stable under inserts and fast at any depth (no OFFSET, no COUNT)."""

    ordering = "-pk"
    page_size_query_param = "limit"
    max_page_size = 200
