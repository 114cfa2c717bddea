from django.db import models


class Stage(models.TextChoices):
    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"


class Step(models.TextChoices):
    """The 25 steps of 《中国共产党发展党员工作细则》(2014), in order, plus three steps that
    are not numbered there: the township's filing of applications (a local practice in
    domain.md), its one-month review, the extension of probation (党章第七条), a branch
    meeting's vote that did not carry, and the end of a candidacy (取消资格)."""

    APPLICATION = "application", "递交入党申请书"
    APPLICATION_TALK = "application_talk", "党组织派人谈话"
    APPLICATION_FILING = "application_filing", "入党申请书报乡镇党委备案"
    APPLICATION_FILING_REVIEW = "application_filing_review", "乡镇党委备案审核"
    ACTIVIST_SELECTION = "activist_selection", "推荐和确定入党积极分子"
    ACTIVIST_FILING = "activist_filing", "上级党委备案"
    CONTACTS_ASSIGNED = "contacts_assigned", "指定培养联系人"
    ACTIVIST_REVIEW = "activist_review", "培养教育考察"
    CANDIDATE_SELECTION = "candidate_selection", "确定发展对象"
    CANDIDATE_FILING = "candidate_filing", "报上级党委备案"
    SPONSORS_ASSIGNED = "sponsors_assigned", "确定入党介绍人"
    POLITICAL_REVIEW = "political_review", "进行政治审查"
    TRAINING = "training", "开展集中培训"
    COMMITTEE_REVIEW = "committee_review", "支部委员会审查"
    SUPERIOR_PREREVIEW = "superior_prereview", "上级党委预审"
    APPLICATION_FORM = "application_form", "填写入党志愿书"
    ADMISSION_VOTE = "admission_vote", "支部大会讨论（接收预备党员）"
    SUPERIOR_TALK = "superior_talk", "上级党委派人谈话"
    ADMISSION_APPROVAL = "admission_approval", "上级党委审批（接收预备党员）"
    ADMISSION_RECORD_FILING = "admission_record_filing", "再上级党委组织部门备案"
    PLACEMENT = "placement", "编入党支部和党小组"
    OATH = "oath", "入党宣誓"
    PROBATION_EDUCATION = "probation_education", "继续教育考察"
    PROBATION_EXTENSION = "probation_extension", "延长预备期"
    CONVERSION_APPLICATION = "conversion_application", "提出转正申请"
    CONVERSION_VOTE = "conversion_vote", "支部大会讨论（预备党员转正）"
    CONVERSION_APPROVAL = "conversion_approval", "上级党委审批（预备党员转正）"
    ARCHIVING = "archiving", "材料归档"
    ADMISSION_VOTE_FAILED = "admission_vote_failed", "支部大会讨论未通过（接收预备党员）"
    CONVERSION_VOTE_FAILED = "conversion_vote_failed", "支部大会讨论未通过（预备党员转正）"
    STOPPED = "stopped", "取消资格（终止发展程序）"


class CandidateStatus(models.TextChoices):
    ACTIVE = "active", "培养中"
    COMPLETED = "completed", "已转正"
    STOPPED = "stopped", "已终止"
