from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    """One file uploaded in the browser: checked in the background, then written on confirmation."""

    class Kind(models.TextChoices):
        ORGANIZATIONS = "organizations", "党组织"
        MEMBERS = "members", "党员"

    class Status(models.TextChoices):
        PENDING = "pending", "等待检查"
        CHECKING = "checking", "正在检查"
        CHECKED = "checked", "检查完成，待确认"
        IMPORTING = "importing", "正在导入"
        DONE = "done", "导入完成"
        FAILED = "failed", "失败"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField("导入内容", max_length=16, choices=Kind.choices)
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("文件名", max_length=255)
    keep_valid = models.BooleanField("仅导入无误的行", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    report = models.JSONField("检查结果", null=True, blank=True)
    result = models.JSONField("导入结果", null=True, blank=True)
    failure = models.CharField("失败原因", max_length=300, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 {self.original_name}"

    @property
    def running(self) -> bool:
        return self.status in {self.Status.PENDING, self.Status.CHECKING, self.Status.IMPORTING}

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(self.processed_rows * 100 / self.total_rows))
