from . import permissions


def accounts(request):
    """What the header's person menu offers: the accounts page to an admin. An error page rendered
    before the user is known (an unknown host) offers nothing."""
    user = getattr(request, "user", None)
    return {"can_manage_accounts": user is not None and permissions.can_manage_accounts(user)}
