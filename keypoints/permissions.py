"""Who sees which key points: always through the customer rule in customers.permissions."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from customers.permissions import get_in_scope, sees_every_customer, visible_customers

from .models import KeyPoint


def visible_keypoints(user):
    if sees_every_customer(user):
        # Every live key point (archiving a customer or project archives its key points): no join.
        return KeyPoint.objects.all()
    return KeyPoint.objects.filter(project__customer__in=visible_customers(user))


def get_keypoint_for_user(user, pk, write=False, include_archived=False):
    """The key point, 404 when its customer is out of the user's scope, 403 when they may read but not write."""
    queryset = visible_keypoints(user).select_related("project__customer", "project__owner")
    return get_in_scope(queryset, pk, user, write, include_archived)


def author_choices(user):
    """Authors a user may filter by: those of the key points they can see."""
    # Whether each person wrote one (an index lookup per person), not every visible key point's
    # author made distinct.
    return get_user_model().objects.filter(Exists(visible_keypoints(user).filter(author=OuterRef("pk"))))
