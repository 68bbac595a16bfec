"""Pages of a list whose rows are costly to read but cheap to rank."""

from django.core.paginator import Paginator


class RankedPaginator(Paginator):
    """Ranks a page's ids first, reading only what the order needs, then reads the page's rows by id.

    A list row joins its customer and owner and computes its latest key point and next step; sorted on
    one of those, PostgreSQL joined every matching row (thousands of projects) before keeping fifty. Here
    the ranking reads the sort key alone, and the joins and the other computed values are made for the
    fifty rows shown. One query more than a plain page.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = self.object_list.order_by().in_bulk(ids)
        # A row gone between the two reads (archived a moment ago) is left out, not an error.
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
