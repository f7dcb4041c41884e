"""Pages of songs that never count a million rows: exact up to a bound, estimated past it.

Counting every match of a filter costs more than the page it sits on at catalogue scale, so
the browse page and /api/v1/songs/ count exactly up to EXACT_COUNT_LIMIT songs and, past it,
take PostgreSQL's estimate and say so. Every page looks one row ahead to know whether another
follows, so `next` is right whatever the estimate says, and a page with nothing after it is the
count itself (within the limit), so short lists and last pages ask for no count.
"""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from catalog import queries
from catalog.queries import SongCount, bounded_count, listed_songs

# No list holds this many rows: a page that starts past it is empty without asking the
# database, whose OFFSET is a 64-bit integer (a page number of 20 digits overflows it).
MAX_OFFSET = 10**12


class BoundedCountPaginator(Paginator):
    """A Paginator whose count is exact only up to a bound (see the module docstring).

    Each page reads one row past its end, so the last page (or an empty first one) tells the
    exact count by itself, without a count query, when it is within the limit.
    """

    @cached_property
    def counted(self) -> SongCount:
        return bounded_count(self.object_list)

    @cached_property
    def count(self) -> int:
        return self.counted.value

    @property
    def exact(self) -> bool:
        return self.counted.exact

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number  # whether the page lies past the end, its rows say

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom > MAX_OFFSET:
            raise EmptyPage("That page contains no results")
        rows = self.read(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        more = len(rows) > self.per_page
        if not more and bottom + len(rows) <= queries.EXACT_COUNT_LIMIT:
            # The last page: the songs before it and its own are all there are. Past the limit
            # the count stays what the other pages say (an estimate on PostgreSQL).
            self.__dict__.setdefault("counted", SongCount(bottom + len(rows), True))
        return LookAheadPage(rows[: self.per_page], number, self, more=more)

    def read(self, rows) -> list:
        """Return the rows of a page (a slice of object_list) as the page holds them."""
        return list(rows)

    def get_page(self, number) -> Page:
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(1 if not self.exact else self.num_pages)


class ListedSongPaginator(BoundedCountPaginator):
    """A BoundedCountPaginator whose pages hold ListedSongs: the API's song lists.

    A page of Songs with their relations and prefetched credits costs more Python to build
    than the queries that read it; the serializer takes either (catalog.queries.ListedSong).
    """

    def read(self, rows) -> list:
        return listed_songs(rows)


class LookAheadPage(Page):
    """A page that knows whether another follows from the one row it read past its end."""

    def __init__(self, object_list, number, paginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class SongPagination(PageNumberPagination):
    """Page-number pagination whose `count` is exact up to a bound, then estimated."""

    django_paginator_class = ListedSongPaginator
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_exact": paginator.exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count_exact"] = {
            "type": "boolean",
            "example": True,
            "description": "False when count is PostgreSQL's estimate: past "
            "catalog.queries.EXACT_COUNT_LIMIT matches the songs are not counted one by one; "
            "follow `next` to the end.",
        }
        described["properties"]["count"]["description"] = "Matching songs (see count_exact)."
        return described
