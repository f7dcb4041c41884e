"""Account pages: sign-up and the profile (API tokens, the Subsonic password)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import queries, services
from accounts.forms import SignUpForm, StreamingPreferenceForm
from accounts.mail import mail_configured


@require_http_methods(["GET", "POST"])
def sign_up(request):
    """Create a listener account and sign it in."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_sign_up(
            form.cleaned_data["username"],
            form.cleaned_data.get("email", ""),
            form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your account is ready.")
        return redirect("accounts:profile")
    return render(request, "accounts/sign_up.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Show the account; create or revoke named API tokens; reset the Subsonic password; set
    the streaming defaults of Subsonic apps.

    Secrets are rendered in the POST's answer only (never stored in the session or a redirect),
    so they show once.
    """
    shown: dict[str, str] = {}
    action = request.POST.get("action")
    streaming = StreamingPreferenceForm(instance=queries.streaming_preference(request.user))
    if action == "create-token":
        created = services.token_create(request.user, request.POST.get("name", ""))
        shown["token"] = created.key
        shown["token_name"] = created.token.name
    elif action == "revoke-token":
        services.token_revoke(request.user, request.POST.get("token_id", ""))
        messages.success(request, "Token revoked.")
        return redirect("accounts:profile")
    elif action == "subsonic-password":
        shown["subsonic_password"] = services.subsonic_password_reset(request.user)
    elif action == "streaming":
        streaming = StreamingPreferenceForm(request.POST, instance=streaming.instance)
        if streaming.is_valid():
            services.streaming_preference_set(request.user, **streaming.cleaned_data)
            messages.success(request, "Streaming defaults saved.")
            return redirect("accounts:profile")
    context = {
        "tokens": queries.user_tokens(request.user),
        "has_subsonic_password": queries.has_subsonic_password(request.user),
        "is_curator": queries.is_curator(request.user),
        "streaming_form": streaming,
        **shown,
    }
    response = render(request, "accounts/profile.html", context)
    if shown:
        response["Cache-Control"] = "no-store"
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, which says so when this server cannot send mail at all."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "mail_configured": mail_configured()}

    def form_valid(self, form):
        if not mail_configured():
            return self.render_to_response(self.get_context_data(form=form))
        return super().form_valid(form)
