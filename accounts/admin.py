"""API tokens in the admin: admins see who has which (never a key) and may revoke them."""

from django.apps import apps
from django.contrib import admin

from accounts.forms import AdminSignInForm
from accounts.models import ApiToken

# The admin's sign-in counts failures with the site's other doors (accounts.signin).
admin.site.login_form = AdminSignInForm

if apps.is_installed("rest_framework.authtoken"):
    # DRF's own token table is empty since accounts keeps hashed tokens: hide its admin.
    from rest_framework.authtoken.models import TokenProxy

    if admin.site.is_registered(TokenProxy):
        admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at"]
    list_select_related = ["user"]
    list_filter = ["created_at", "last_used_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at"]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        # A key is shown once, to its owner: tokens are made on the profile page or the API.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
