from django.db import models


class BasicArea(models.TextChoices):
    """The "five basics" of branch standardization (domain.md, local practices)."""

    ORGANIZATION = "organization", "基本组织"
    TEAM = "team", "基本队伍"
    SYSTEM = "system", "基本制度"
    ACTIVITY = "activity", "基本活动"
    GUARANTEE = "guarantee", "基本保障"


class ScoringMethod(models.TextChoices):
    MANUAL = "manual", "人工评分（凭佐证）"
    AUTO_COMMITTEE = "auto_committee", "自动：按规定设立支部委员会"
    AUTO_TERM = "auto_term", "自动：按期换届"
    AUTO_MEMBER_COUNT = "auto_member_count", "自动：党员人数符合设置要求"
    AUTO_ORGLIFE = "auto_orglife", "自动：组织生活达标"


class CheckResult(models.TextChoices):
    MET = "met", "达标"
    WEAK = "weak", "薄弱"
    MISSING = "missing", "缺失"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "自查中"
    SELF_CHECKED = "self_checked", "已自查，待考评"
    SIGNED = "signed", "考评已确认"


class Grade(models.IntegerChoices):
    ONE = 1, "一类"
    TWO = 2, "二类"
    THREE = 3, "三类"
    FOUR = 4, "四类"


class GradeBasis(models.TextChoices):
    SCORE_BANDS = "score_bands", "按得分档次"
    FIVE_GOODS = "five_goods", "按“五好”定级"
    MANUAL = "manual", "人工定级"


# What a county chooses for its checklist; setting a class by hand (with a reason) stays open
# to the assessor whichever is chosen.
TEMPLATE_GRADE_BASES = [(GradeBasis.SCORE_BANDS, "按得分档次"), (GradeBasis.FIVE_GOODS, "按“五好”定级")]


class GradeChange(models.TextChoices):
    UP = "up", "晋位"
    SAME = "same", "持平"
    DOWN = "down", "降级"
    NEW = "new", "首次定级"


class WeakCategory(models.TextChoices):
    """Problem categories of the weak-organization screening (our wording of the usual list)."""

    LEADER = "leader", "书记长期缺职或不胜任"
    TEAM = "team", "班子不团结、软弱无力"
    LIFE = "life", "组织生活不经常、制度落实差"
    AFFAIRS = "affairs", "村务、财务管理混乱"
    CONFLICT = "conflict", "矛盾纠纷集中、群众意见大"
    INTERFERENCE = "interference", "受宗族、黑恶势力等干扰"
    SERVICE = "service", "服务群众意识差、发展思路不清"
    LOW_GRADE = "low_grade", "年度考评定为四类"


class WeakStatus(models.TextChoices):
    IDENTIFIED = "identified", "已确定，整顿中"
    RECHECK = "recheck", "申请复查"
    CLOSED = "closed", "已销号"
