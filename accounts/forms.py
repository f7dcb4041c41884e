from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from accounts import signin
from accounts.addresses import client_address
from accounts.models import StreamingPreference


class SignUpForm(UserCreationForm):
    """Username, email and password twice (Django's password validators apply)."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


class LimitedSignIn:
    """Refuse a form sign-in the limiter holds back; count the failures (accounts.signin)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        address = client_address(self.request)
        try:
            signin.check_sign_in(address, username)
        except signin.SignInLimited as limited:
            raise ValidationError(limited.message, code="too_many_attempts") from None
        try:
            cleaned = super().clean()
        except ValidationError:
            signin.sign_in_failed(address, username)
            raise
        signin.sign_in_succeeded(address, username)
        return cleaned


class SignInForm(LimitedSignIn, AuthenticationForm):
    """The site's sign-in form."""


class AdminSignInForm(LimitedSignIn, AdminAuthenticationForm):
    """The admin's sign-in form (staff only, as Django's)."""


class StreamingPreferenceForm(forms.ModelForm):
    """The bitrate cap and format a listener's Subsonic apps get by default."""

    class Meta:
        model = StreamingPreference
        fields = ["max_bitrate", "format"]
        labels = {"max_bitrate": "Maximum bitrate", "format": "Format above it"}
        # The model's help reads its numbers ("0: no limit"); the choices already say it.
        help_texts = {"max_bitrate": ""}
