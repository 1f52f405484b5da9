"""Members in the admin: superusers only, and never anything a member wrote."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from intimacy_app.accounts import services
from intimacy_app.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups",)
    actions = ("send_staff_enrolment_link",)

    @admin.action(description="E-mail a one-time link to set up two-step sign-in (staff only)")
    def send_staff_enrolment_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        hours = int(services.STAFF_ENROLMENT_VALID_FOR.total_seconds() // 3600)
        sent = 0
        for user in queryset.filter(is_staff=True, is_active=True):
            token = services.staff_enrolment_create(user=user)
            path = reverse("accounts:staff_enrolment", args=[token])
            services.staff_enrolment_send(
                user=user, link=request.build_absolute_uri(path), hours=hours
            )
            sent += 1
        level = messages.SUCCESS if sent else messages.WARNING
        self.message_user(request, f"Sent {sent} link(s); only active staff get one.", level)
