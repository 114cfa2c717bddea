from django.db import models


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    WORKING_COMMITTEE = "working_committee", "党工委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint_branch", "联合党支部"
    TEMPORARY_BRANCH = "temporary_branch", "临时党支部"
    GROUP = "group", "党小组"


# Members belong to these three kinds only (domain.md, glossary).
BRANCH_KINDS = frozenset({OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH})


class Sector(models.TextChoices):
    RURAL = "rural", "农村"
    COMMUNITY = "community", "社区"
    GOVERNMENT = "government", "机关"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    SOE = "soe", "国有企业"
    PRIVATE_ENTERPRISE = "private_enterprise", "非公有制企业"
    SOCIAL_ORG = "social_org", "社会组织"
    SCHOOL = "school", "中小学校"
    UNIVERSITY = "university", "高校"
    OTHER = "other", "其他"


# "两新" organizations: new economic and new social organizations.
LIANGXIN_SECTORS = frozenset({Sector.PRIVATE_ENTERPRISE, Sector.SOCIAL_ORG})


class OrgStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    DISSOLVED = "dissolved", "已撤销"


TERM_YEARS_CHOICES = [(3, "3年"), (5, "5年")]
