"""The signed-in user's own account: ending every session and API token at once."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mcok import tokens


@require_POST
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    user = request.user
    tokens.user_sign_out_everywhere(user=user)
    logout(request)
    messages.success(
        request, _("You are signed out on every device, and your API token no longer works. Sign in again.")
    )
    return redirect("login")


urlpatterns = [
    path("account/sign-out-everywhere/", sign_out_everywhere, name="sign-out-everywhere"),
]
