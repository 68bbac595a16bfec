from . import permissions


def customers(request):
    """Whether the pages' archive actions are offered: to leads and admins. An error page rendered before
    the user is known offers none."""
    user = getattr(request, "user", None)
    return {"can_archive": user is not None and permissions.can_archive(user)}
