"""The single sign-on settings form: the client secret is write-only, a blank one keeps what is stored.

The fields of the protocol not chosen are not needed (the service checks those of the chosen one)."""

from __future__ import annotations

from django import forms

from cxowner.orgs.models import MemberRole

from .models import Protocol
from .services import SsoSettings, domains_parse


class SsoSettingsForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Provider's name", help_text="Shown on the log-in button: “Sign in with …”."
    )
    # Not required: a form posted without it (as before SAML existed) is OpenID Connect.
    protocol = forms.ChoiceField(choices=Protocol.choices, initial=Protocol.OIDC, required=False, label="Protocol")
    issuer = forms.URLField(
        required=False,
        assume_scheme="https",
        max_length=500,
        label="Issuer URL (OpenID Connect)",
        help_text="Its discovery document is read from <issuer>/.well-known/openid-configuration.",
    )
    client_id = forms.CharField(required=False, max_length=300, label="Client ID (OpenID Connect)")
    client_secret = forms.CharField(
        required=False,
        strip=False,
        label="Client secret (OpenID Connect)",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    saml_metadata_url = forms.URLField(
        required=False,
        assume_scheme="https",
        max_length=500,
        label="Identity provider's metadata URL (SAML)",
        help_text="Read when you save (saving again reads it again). Or paste the metadata below instead.",
    )
    saml_metadata_xml = forms.CharField(
        required=False,
        label="Identity provider's metadata XML (SAML)",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="Pasted XML replaces the stored metadata; leave blank to keep it (or read it from the URL).",
    )
    saml_email_attribute = forms.CharField(
        required=False,
        max_length=300,
        label="E-mail attribute (SAML)",
        help_text="Blank: Entra ID's emailaddress claim, or an attribute named email or mail.",
    )
    saml_name_attribute = forms.CharField(
        required=False,
        max_length=300,
        label="Name attribute (SAML)",
        help_text="Blank: Entra ID's displayname claim, or an attribute named name or displayName.",
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

    def __init__(self, *args, secret_set: bool = False, saml: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["client_secret"]
        field.help_text = (
            "Only for OpenID Connect."
            if saml and not secret_set
            else "Set: it is never shown again. Leave blank to keep it, or type a new one to replace it."
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
            protocol=data["protocol"] or Protocol.OIDC,
            issuer=data["issuer"],
            client_id=data["client_id"].strip(),
            client_secret=data["client_secret"],
            domains=data["domains"],
            default_role=data["default_role"],
            allow_jit=data["allow_jit"],
            sso_only=data["sso_only"],
            enabled=data["enabled"],
            saml_metadata_url=data["saml_metadata_url"],
            saml_metadata_xml=data["saml_metadata_xml"],
            saml_email_attribute=data["saml_email_attribute"].strip(),
            saml_name_attribute=data["saml_name_attribute"].strip(),
        )


class SsoFindForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Work e-mail")
