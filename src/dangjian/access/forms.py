from django import forms

from dangjian.core.forms import StyledForm

from .roles import Role


class OtpTokenForm(StyledForm):
    token = forms.CharField(
        label="动态口令",
        min_length=6,
        max_length=6,
        error_messages={
            "required": "请输入手机验证器上显示的6位动态口令",
            "min_length": "动态口令是6位数字",
            "max_length": "动态口令是6位数字",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("动态口令是6位数字")
        return token


class PasswordChangeForm(StyledForm):
    old_password = forms.CharField(
        label="原密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "请输入原密码"},
    )
    new_password1 = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请输入新密码"},
    )
    new_password2 = forms.CharField(
        label="再次输入新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请再次输入新密码"},
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class NewPasswordForm(StyledForm):
    """A password chosen by an administrator for someone; the services check it against the
    current policy (the user must replace it at the next login)."""

    password1 = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请输入密码"},
    )
    password2 = forms.CharField(
        label="再次输入密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请再次输入密码"},
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "两次输入的密码不一致")
        return data


class UserCreateForm(NewPasswordForm):
    username = forms.CharField(label="用户名", max_length=150, error_messages={"required": "请输入用户名"})
    full_name = forms.CharField(label="姓名", max_length=150, required=False)
    field_order = ["username", "full_name", "password1", "password2"]


class GrantForm(StyledForm):
    username = forms.CharField(label="用户名", max_length=150, error_messages={"required": "请输入用户名"})
    org = forms.CharField(label="党组织代码", max_length=64, error_messages={"required": "请输入党组织代码"})
    role = forms.ChoiceField(label="角色", choices=Role.choices, error_messages={"required": "请选择角色"})
