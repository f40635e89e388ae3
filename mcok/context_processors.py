from django.http import HttpRequest

from mcok import access
from mcok.models import Role
from mcok.navigation import menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    kinds = access.role_kinds(user)
    return {
        "menu": menu_for(kinds),
        "role_kinds": kinds,
        "is_staff_role": bool(kinds & set(Role.MUNICIPAL_KINDS)),
        "show_admin_link": Role.Kind.ADMINISTRATOR in kinds and user.is_staff,
    }
