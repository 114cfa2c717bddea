"""The Django admin's user pages mark a password they set as someone else's choice, so the user
replaces it at the next login like one set by `dangjian createuser`."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from dangjian.core.audit import audit_record

from .services import password_state_set

User = get_user_model()


class PasswordSetByAdminForm(AdminPasswordChangeForm):
    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit:
            password_state_set(user, must_change=True)
        return user


class DangjianUserAdmin(UserAdmin):
    change_password_form = PasswordSetByAdminForm

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            password_state_set(obj, must_change=True)
            audit_record(
                actor=request.user,
                action="user.create",
                obj=obj,
                after={"username": obj.get_username(), "must_change_password": True, "via": "admin"},
            )

    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = User.objects.get(pk=id)
            audit_record(
                actor=request.user,
                action="user.password_set",
                obj=target,
                after={"must_change": True, "via": "admin"},
            )
        return response


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, DangjianUserAdmin)
