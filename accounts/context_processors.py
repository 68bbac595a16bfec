from . import permissions


def accounts(request):
    """What the header's person menu offers: the accounts page to an admin."""
    return {"can_manage_accounts": permissions.can_manage_accounts(request.user)}
