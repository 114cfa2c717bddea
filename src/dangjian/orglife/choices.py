from django.db import models


class ActivityKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", "党员大会"
    COMMITTEE_MEETING = "committee_meeting", "支部委员会"
    GROUP_MEETING = "group_meeting", "党小组会"
    PARTY_LECTURE = "party_lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE_MEETING = "life_meeting", "组织生活会"
    MEMBER_REVIEW = "member_review", "民主评议党员"
    HEART_TALK = "heart_talk", "谈心谈话"
    OTHER = "other", "其他"


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", "照片"
    SIGN_IN = "sign_in", "签到表"
