"""The signed-in user's own account: the second factor, and ending every session and API token at once."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mcok import access, second_factor, tokens


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


# ---- the second factor --------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the application"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 10}
        ),
    )


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Recovery code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "size": 12}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of the portal only: never a view name (redirect() would look it up), nor another site.
    if not target.startswith("/") or len(target) > 2000 or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    """The recovery codes, shown this once (the page is not cached) and printable."""
    response = render(
        request,
        "registration/second_factor_codes.html",
        {"codes": [f"{code[:4]}-{code[4:]}" for code in codes], "next": _next(request)},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def second_factor_page(request: HttpRequest) -> HttpResponse:
    """The account's second factor: on or off, the recovery codes left, new codes, switching it off."""
    user = request.user
    device = second_factor.app_device(user)
    return render(
        request,
        "registration/second_factor.html",
        {
            "device": device,
            "codes_left": second_factor.recovery_codes_left(user) if device else 0,
            "required": access.second_factor_required(user),
            "form": CodeForm(),
        },
    )


@login_required
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up the application: its QR code and the key as text, confirmed with a code from it."""
    user = request.user
    if second_factor.has_second_factor(user):
        if not user.is_verified():  # the password alone never replaces an application
            return redirect("mcok:second_factor_verify")
        messages.info(request, _("The second factor is already on."))
        return redirect("mcok:second_factor")
    device = second_factor.app_device_pending(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.second_factor_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            messages.success(request, _("The second factor is on. Keep the recovery codes below."))
            return _codes_page(request, codes)
        form.add_error(
            "code", _("The code is wrong or has expired. Enter the code the application shows now.")
        )
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "qr": second_factor.qr_data_uri(device),
            "secret": second_factor.secret_text(device),
            "required": access.second_factor_required(user),
            "next": _next(request),
        },
    )


@login_required
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The step after the password: a code from the application, or «use a recovery code»."""
    user = request.user
    if user.is_verified() or not second_factor.has_second_factor(user):
        return HttpResponseRedirect(_next(request))
    recovery = request.GET.get("recovery") == "1" or request.POST.get("recovery") == "1"
    form = (RecoveryCodeForm if recovery else CodeForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = second_factor.second_factor_verify(
            request=request, code=form.cleaned_data["code"], recovery=recovery
        )
        if result is second_factor.Verification.PASSED:
            if recovery:
                left = second_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    _("The recovery code is used up; %(left)s left. Make new ones on the second factor page.")
                    % {"left": left},
                )
            return HttpResponseRedirect(_next(request))
        if result is second_factor.Verification.THROTTLED:
            form.add_error("code", _("Too many wrong codes: wait a minute and try again."))
        elif recovery:
            form.add_error("code", _("This recovery code is wrong or has been used."))
        else:
            form.add_error(
                "code", _("The code is wrong or has expired. Enter the code the application shows now.")
            )
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "recovery": recovery, "next": _next(request)},
    )


@require_POST
@login_required
def second_factor_codes(request: HttpRequest) -> HttpResponse:
    """Ten new recovery codes in place of the old ones."""
    user = request.user
    if not (second_factor.has_second_factor(user) and user.is_verified()):
        messages.error(request, _("Set up the second factor first."))
        return redirect("mcok:second_factor")
    return _codes_page(request, second_factor.recovery_codes_issue(user=user, request=request, renewed=True))


@require_POST
@login_required
def second_factor_disable(request: HttpRequest) -> HttpResponse:
    """Switch the second factor off, confirmed with a current code; not for a role that needs it."""
    user = request.user
    if access.second_factor_required(user):
        messages.error(request, _("Your role needs a second factor: it cannot be switched off."))
        return redirect("mcok:second_factor")
    form = CodeForm(request.POST)
    if not (form.is_valid() and second_factor.code_matches(user=user, code=form.cleaned_data["code"])):
        messages.error(request, _("The code is wrong: the second factor stays on."))
        return redirect("mcok:second_factor")
    second_factor.second_factor_disable(user=user, by=user, request=request)
    messages.success(request, _("The second factor is off: you sign in with the password alone."))
    return redirect("mcok:second_factor")


urlpatterns = [
    path("account/sign-out-everywhere/", sign_out_everywhere, name="sign_out_everywhere"),
    path("account/second-factor/", second_factor_page, name="second_factor"),
    path("account/second-factor/setup/", second_factor_setup, name="second_factor_setup"),
    path("account/second-factor/verify/", second_factor_verify, name="second_factor_verify"),
    path("account/second-factor/codes/", second_factor_codes, name="second_factor_codes"),
    path("account/second-factor/disable/", second_factor_disable, name="second_factor_disable"),
]
