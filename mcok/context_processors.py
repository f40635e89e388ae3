from django.http import HttpRequest

from mcok import access
from mcok.navigation import menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    return {
        "menu": menu_for(user),
        "role_kinds": access.menu_kinds(user),
        "is_staff_role": access.is_staff_anywhere(user),
        "show_admin_link": access.may_use_admin_site(user),
    }
