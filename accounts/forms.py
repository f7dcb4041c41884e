from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

from accounts.models import StreamingPreference


class SignUpForm(UserCreationForm):
    """Username, email and password twice (Django's password validators apply)."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


class StreamingPreferenceForm(forms.ModelForm):
    """The bitrate cap and format a listener's Subsonic apps get by default."""

    class Meta:
        model = StreamingPreference
        fields = ["max_bitrate", "format"]
        labels = {"max_bitrate": "Maximum bitrate", "format": "Format above it"}
