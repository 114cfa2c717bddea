from django.core.exceptions import PermissionDenied


class ScopeDenied(PermissionDenied):
    """The acting user's grants do not reach the organization concerned (a 403 in views)."""

    def __init__(self, message: str = "无权操作该党组织或其下级的数据"):
        super().__init__(message)
        self.message = message
