"""The API's pages: its own module, as the settings name it and DRF imports it while views load."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """The settings' pages by limit and offset, with a largest page: a limit past 64 bits fails in the
    database (500 on SQLite and PostgreSQL alike), and one page of everything helps no client."""

    max_limit = 1000
