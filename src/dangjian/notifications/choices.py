from django.db import models


class NotificationKind(models.TextChoices):
    ORGLIFE = "orglife", "组织生活"
    RECRUITMENT = "recruitment", "发展党员"
    DUES = "dues", "党费"
    TERM = "term", "换届"
    SUMMARY = "summary", "汇总"
