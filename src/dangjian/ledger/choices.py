from django.db import models


class ItemSource(models.TextChoices):
    SELF_CHECK = "self_check", "自查（体检）"
    ASSESSMENT = "assessment", "考评"
    INSPECTION = "inspection", "督查"
    DISPATCH = "dispatch", "交办单"
    WEAK_ORG = "weak_org", "软弱涣散整顿"
    MANUAL = "manual", "手工登记"


class ItemStatus(models.TextChoices):
    OPEN = "open", "整改中"
    CLOSE_REQUESTED = "close_requested", "申请销号"
    CLOSED = "closed", "已销号"


class LedgerStatus(models.TextChoices):
    OPEN = "open", "挂账"
    CLOSED = "closed", "已销号"


class RecipientStatus(models.TextChoices):
    PENDING = "pending", "未办理"
    IN_PROGRESS = "in_progress", "办理中"
    COMPLETED = "completed", "已办结"


class TargetMetric(models.TextChoices):
    GRADE_ONE_TWO_SHARE = "grade_one_two_share", "一二类党组织占比（%）"
    GRADE_FOUR_SHARE = "grade_four_share", "四类党组织占比（%）"
    CHECKLIST_COMPLETE_SHARE = "checklist_complete_share", "完成规范化自查的党支部占比（%）"
    DISPATCH_COMPLETED_COUNT = "dispatch_completed_count", "办结的交办事项（件）"


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", "不低于"
    BELOW = "below", "低于"
