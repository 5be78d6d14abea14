"""The single sign-on settings form: the client secret is write-only, a blank one keeps what is stored."""

from __future__ import annotations

from django import forms

from cxowner.orgs.models import MemberRole

from .services import SsoSettings, domains_parse


class SsoSettingsForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Provider's name", help_text="Shown on the log-in button: “Sign in with …”."
    )
    issuer = forms.URLField(
        assume_scheme="https",
        max_length=500,
        label="Issuer URL",
        help_text="Its discovery document is read from <issuer>/.well-known/openid-configuration.",
    )
    client_id = forms.CharField(max_length=300, label="Client ID")
    client_secret = forms.CharField(
        required=False,
        strip=False,
        label="Client secret",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    domains = forms.CharField(
        label="Allowed e-mail domains",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line. Only addresses at these domains may sign in, once you have proven the "
        "domain is yours (below, after saving); typing one on the log-in page then offers this provider.",
    )
    default_role = forms.ChoiceField(choices=MemberRole.choices, label="Role of members who join by signing in")
    allow_jit = forms.BooleanField(required=False, label="Anyone the provider signs in with an allowed address joins")
    sso_only = forms.BooleanField(required=False, label="SSO only: members may not log in with a password")
    sso_only_confirmed = forms.BooleanField(
        required=False, label="I understand that if the provider fails, no member can log in until an operator steps in"
    )
    enabled = forms.BooleanField(required=False, initial=True, label="Single sign-on is on")

    def __init__(self, *args, secret_set: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["client_secret"]
        field.help_text = (
            "Set: it is never shown again. Leave blank to keep it, or type a new one to replace it."
            if secret_set
            else "Stored encrypted and never shown again. Needed: none is stored, or the stored one can no longer "
            "be read (the installation's key changed)."
        )

    def clean_domains(self) -> tuple[str, ...]:
        return domains_parse(self.cleaned_data["domains"])

    def wanted(self) -> SsoSettings:
        data = self.cleaned_data
        return SsoSettings(
            name=data["name"],
            issuer=data["issuer"],
            client_id=data["client_id"].strip(),
            client_secret=data["client_secret"],
            domains=data["domains"],
            default_role=data["default_role"],
            allow_jit=data["allow_jit"],
            sso_only=data["sso_only"],
            enabled=data["enabled"],
        )


class SsoFindForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Work e-mail")
