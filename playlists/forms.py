"""Forms of the playlist pages: they validate; playlists.services writes."""

from django import forms

from playlists.models import Playlist


class PlaylistForm(forms.ModelForm):
    class Meta:
        model = Playlist
        fields = ["name", "description", "is_public"]
        labels = {"is_public": "Public: anyone with the link can listen"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"name": {"required": "Give the playlist a name."}}


class TrackMoveForm(forms.Form):
    """Move a track one step (`direction`) or to a `position` (0 is the top)."""

    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")], required=False)
    position = forms.IntegerField(min_value=0, required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("direction") and cleaned.get("position") is None:
            raise forms.ValidationError("Say where to move the track: up, down or a position.")
        return cleaned
