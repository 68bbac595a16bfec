"""Who sees which key points: always through the customer rule in customers.permissions."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from customers.models import Project
from customers.permissions import get_in_scope, sees_every_customer, visible_customers

from .models import KeyPoint


def visible_keypoints(user):
    if sees_every_customer(user):
        # Every live key point (archiving a customer or project archives its key points): no join.
        return KeyPoint.objects.all()
    # Through the projects of the customers they see (a rep's few hundred): PostgreSQL then reads those
    # projects' key points by the project index. Joined to the customer instead, it walked the whole ledger
    # newest first and tested each row against the list of customers, a hundred comparisons a row.
    projects = Project.all_objects.filter(customer__in=visible_customers(user)).values("pk")
    return KeyPoint.objects.filter(project__in=projects)


def get_keypoint_for_user(user, pk, write=False, include_archived=False):
    """The key point, 404 when its customer is out of the user's scope, 403 when they may read but not write."""
    queryset = visible_keypoints(user).select_related("project__customer", "project__owner")
    return get_in_scope(queryset, pk, user, write, include_archived)


def author_choices(user):
    """Authors a user may filter by: those of the key points they can see."""
    # Whether each person wrote one (an index lookup per person), not every visible key point's
    # author made distinct.
    return get_user_model().objects.filter(Exists(visible_keypoints(user).filter(author=OuterRef("pk"))))
