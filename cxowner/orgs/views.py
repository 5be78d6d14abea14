"""The invitee's side of an invitation: follow the link, sign in or create an account, accept."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from .invitations import InvitationInvalid, invitation_accept, invitation_accept_as_new_user, invitation_for_token


def accept_url_pattern(request: HttpRequest) -> str:
    """The invitation link's absolute address with "{token}" where the token goes."""
    return request.build_absolute_uri(reverse("invitation", args=["TOKEN"])).replace("TOKEN", "{token}")


class NewAccountForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(widget=forms.PasswordInput, label="Password", strip=False)
    password_again = forms.CharField(widget=forms.PasswordInput, label="Password again", strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invited = invitation_for_token(token=token)
    except InvitationInvalid as error:
        return render(request, "invitations/invalid.html", {"reason": str(error)}, status=404)
    form = NewAccountForm(request.POST if request.method == "POST" and not request.user.is_authenticated else None)
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                membership = invitation_accept(token=token, user=request.user)
            elif form.is_valid():
                membership = invitation_accept_as_new_user(
                    token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                membership = None
        except InvitationInvalid as error:
            return render(request, "invitations/invalid.html", {"reason": str(error)}, status=404)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            membership = None
        if membership is not None:
            messages.success(request, f"Welcome to {membership.organization.name}: you are {membership.role}.")
            return redirect("dashboard", org=membership.organization.slug)
    status = 400 if form.errors else 200
    context = {"invitation": invited, "form": form, "login_url": f"{reverse('login')}?next={request.path}"}
    return render(request, "invitations/accept.html", context, status=status)
