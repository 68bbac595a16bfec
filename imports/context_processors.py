from . import permissions


def imports(request):
    """Whether the header offers the import (leads and admins). An error page rendered before the user is
    known offers nothing."""
    user = getattr(request, "user", None)
    return {"can_import": user is not None and permissions.can_import(user)}
