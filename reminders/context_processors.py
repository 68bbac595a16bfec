from . import permissions, selectors


def reminders(request):
    """The bell's unread count, and for admins whether the scans have stopped. Templates call these
    only where they show them, so a page without the header costs no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"unread_notifications": lambda: selectors.unread_count(user)}
    context["can_configure_reminders"] = permissions.can_configure(user)
    if context["can_configure_reminders"]:
        context["reminder_scans_stopped"] = selectors.scans_stopped
    return context
