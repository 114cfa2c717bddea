"""The default standardization checklists the product ships, as data.

A county installs them once (`dangjian load_default_checklists`, or the demo) and then edits
its own copies; nothing here is read after installation. The wording is the product's own,
written from the general practice described in domain.md ("Local practices": standardization
checklists under the five basics); no county's document is reproduced.

Shape: fifteen items every branch keeps (the common core), plus a few per sector:
rural and community 20 items, government, public institutions and 两新 18, schools 16,
state-owned enterprises 15. Each template's points add up to 100 (`spread_points`), so a
score and its percentage read the same. Items the platform can verify from its own data
(members per branch, committee, term, the year's organizational life) are scored automatically; every other item is manual
and names the evidence an assessor looks at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from dangjian.orgs.choices import Sector

from .choices import BasicArea, ScoringMethod

TOTAL_POINTS = Decimal(100)
HALF = Decimal("0.5")

AREA_ORDER = [
    BasicArea.ORGANIZATION,
    BasicArea.TEAM,
    BasicArea.ACTIVITY,
    BasicArea.SYSTEM,
    BasicArea.GUARANTEE,
]


@dataclass(frozen=True)
class DefaultItem:
    area: str
    title: str
    description: str
    evidence_required: str = ""
    method: str = ScoringMethod.MANUAL


ORG, TEAM, ACT, SYS, GUA = (
    BasicArea.ORGANIZATION,
    BasicArea.TEAM,
    BasicArea.ACTIVITY,
    BasicArea.SYSTEM,
    BasicArea.GUARANTEE,
)

CORE: list[DefaultItem] = [
    DefaultItem(
        ORG,
        "党员人数与组织形式相符",
        "正式党员不少于3人；党员人数超过50人的，按规定调整组织设置或设立党总支。",
        method=ScoringMethod.AUTO_MEMBER_COUNT,
    ),
    DefaultItem(
        ORG,
        "按规定设立支部委员会",
        "正式党员7人以上的党支部设立支部委员会，委员分工明确；不足7人的设书记（必要时设副书记）。",
        method=ScoringMethod.AUTO_COMMITTEE,
    ),
    DefaultItem(
        ORG,
        "按期换届",
        "支部委员会任期届满按期换届，确需延期的已报上级批准，无超期未换届情况。",
        method=ScoringMethod.AUTO_TERM,
    ),
    DefaultItem(
        TEAM,
        "支部书记选优配强",
        "书记政治素质好、熟悉党务，年内参加上级组织的书记培训，年终向党员大会和上级述职。",
        "书记培训记录、年度述职报告",
    ),
    DefaultItem(
        TEAM,
        "党员教育培训经常",
        "制定年度学习计划，每名党员参加集中学习培训达到规定学时，对流动、年老体弱党员送学上门。",
        "年度学习计划、学习培训签到记录",
    ),
    DefaultItem(
        TEAM,
        "发展党员程序规范",
        "坚持标准、按程序发展党员，入党积极分子培养考察记录完整，发展材料齐全归档。",
        "发展党员工作档案",
    ),
    DefaultItem(
        ACT,
        "组织生活达标",
        "“三会一课”、主题党日、组织生活会、民主评议党员、谈心谈话按规定的次数开展并在平台如实记录；"
        "年内已结束的各期无未开展的情况（由平台按组织生活记录自动核验）。",
        method=ScoringMethod.AUTO_ORGLIFE,
    ),
    DefaultItem(
        ACT,
        "主题党日内容实、效果好",
        "主题党日有年度计划、每次有明确主题，结合中心工作开展，党员参与率符合要求。",
        "主题党日计划与活动记录",
    ),
    DefaultItem(
        ACT,
        "组织生活会质量和评议结果运用",
        "组织生活会认真开展批评和自我批评，民主评议党员结果向上级报告，对评议中发现的问题有整改。",
        "组织生活会记录、民主评议结果报告",
    ),
    DefaultItem(
        SYS,
        "党员日常管理规范",
        "组织关系转接及时，党员信息准确并在平台中维护，流动党员、失联党员有专人联系。",
        "党员名册、组织关系转接记录",
    ),
    DefaultItem(
        SYS,
        "党费收缴使用管理",
        "按月足额收缴党费，按时上缴，账目清楚，每年向党员公布收缴情况。",
        "党费收缴台账、公布记录",
    ),
    DefaultItem(
        SYS,
        "民主集中制和请示报告",
        "重要事项经支委会或党员大会集体讨论决定，重大事项按规定向上级党组织请示报告。",
        "会议记录、请示报告文件",
    ),
    DefaultItem(
        GUA,
        "活动场所固定",
        "有固定的活动场所，标识规范，设施满足开展组织生活的需要。",
        "场所照片",
    ),
    DefaultItem(
        GUA,
        "工作经费有保障",
        "党组织工作经费纳入预算或有稳定来源，使用规范、有据可查。",
        "经费预算或使用凭证",
    ),
    DefaultItem(
        GUA,
        "工作档案齐全",
        "按年度整理组织生活、党员管理、发展党员等工作资料，分类归档，便于查阅。",
        "年度档案目录",
    ),
]

# Rural and community branches lead every organization of their village or neighborhood.
GRASSROOTS: list[DefaultItem] = [
    DefaultItem(
        ORG,
        "党组织领导基层各类组织",
        "村（居）民委员会、村（居）务监督委员会、集体经济组织等在党组织领导下开展工作。",
        "有关会议记录、工作制度",
    ),
    DefaultItem(
        TEAM,
        "后备力量培养储备",
        "按要求储备后备人选，有培养计划和联系人，年内开展实践锻炼。",
        "后备人选名单及培养记录",
    ),
    DefaultItem(
        GUA,
        "党群服务中心运行",
        "党群服务中心功能完善，有人值守，为群众办事有记录、有回应。",
        "服务台账、值班表",
    ),
]

RURAL: list[DefaultItem] = [
    DefaultItem(
        SYS,
        "村级重大事项民主决策",
        "村级重大事项按“党组织提议、两委商议、党员大会审议、村民（代表）会议决议”的程序决策，结果公开。",
        "决策会议记录、公开栏照片",
    ),
    DefaultItem(
        ACT,
        "带领发展集体经济",
        "党组织有集体经济发展思路并组织实施，集体收入稳定或增长，收支公开。",
        "集体经济收支台账",
    ),
]

COMMUNITY: list[DefaultItem] = [
    DefaultItem(
        ACT,
        "网格党建覆盖",
        "按网格设立党小组或明确党员联系人，网格内党员和群众诉求有人收集、有人办理。",
        "网格划分及联系人名单、诉求办理记录",
    ),
    DefaultItem(
        ACT,
        "在职党员到社区报到服务",
        "在职党员到社区报到，认领服务岗位或项目，年内参加社区服务有记录。",
        "报到登记、服务记录",
    ),
]

GOVERNMENT: list[DefaultItem] = [
    DefaultItem(
        ACT,
        "党建与业务工作融合",
        "围绕本单位中心工作开展党建活动，年度党建计划与业务计划同部署、同检查。",
        "年度党建工作计划、总结",
    ),
    DefaultItem(
        TEAM,
        "党员示范岗创建",
        "设立党员示范岗或先锋岗，党员在业务工作中亮身份、作表率。",
        "示范岗名单、事迹材料",
    ),
    DefaultItem(
        SYS,
        "党风廉政教育",
        "每年开展廉政教育和警示教育，落实谈心谈话，对苗头性问题及时提醒。",
        "廉政教育记录、谈心谈话记录",
    ),
]

LIANGXIN: list[DefaultItem] = [
    DefaultItem(
        ACT,
        "党建与生产经营融合",
        "党组织围绕企业（机构）发展开展工作，在生产经营或服务中发挥作用有实例。",
        "年度党建工作计划、融合事例",
    ),
    DefaultItem(
        TEAM,
        "党员示范岗创建",
        "设立党员示范岗或先锋岗，党员在岗位上亮身份、作表率。",
        "示范岗名单、事迹材料",
    ),
    DefaultItem(
        GUA,
        "出资人（负责人）支持党建",
        "出资人或主要负责人支持党组织开展活动，为党组织提供场所、时间和经费保障。",
        "支持党建的书面承诺或会议记录",
    ),
]

SCHOOL: list[DefaultItem] = [
    DefaultItem(
        ACT,
        "党组织引领思想政治和德育工作",
        "党组织把思想政治工作和德育工作纳入年度计划，党员教师在教书育人中发挥示范作用。",
        "德育工作计划、党员教师示范课记录",
    ),
]

# Which items each sector adds to the core. Public institutions keep the government list,
# universities the schools' list; "other" keeps the government list as the general case.
SECTOR_ADDITIONS: dict[str, list[DefaultItem]] = {
    Sector.RURAL: GRASSROOTS + RURAL,
    Sector.COMMUNITY: GRASSROOTS + COMMUNITY,
    Sector.GOVERNMENT: GOVERNMENT,
    Sector.PUBLIC_INSTITUTION: GOVERNMENT,
    Sector.PRIVATE_ENTERPRISE: LIANGXIN,
    Sector.SOCIAL_ORG: LIANGXIN,
    Sector.SCHOOL: SCHOOL,
    Sector.UNIVERSITY: SCHOOL,
    Sector.SOE: [],
    Sector.OTHER: GOVERNMENT,
}

# 评星晋级 (1–5 stars, `rules.DEFAULT_STAR_LINES`) is the community branches' variant.
STAR_SECTORS = frozenset({Sector.COMMUNITY})

TEMPLATE_NAMES: dict[str, str] = {
    Sector.RURAL: "农村党支部规范化建设清单",
    Sector.COMMUNITY: "社区党支部规范化建设清单",
    Sector.GOVERNMENT: "机关党支部规范化建设清单",
    Sector.PUBLIC_INSTITUTION: "事业单位党支部规范化建设清单",
    Sector.PRIVATE_ENTERPRISE: "非公有制企业党支部规范化建设清单",
    Sector.SOCIAL_ORG: "社会组织党支部规范化建设清单",
    Sector.SCHOOL: "中小学校党支部规范化建设清单",
    Sector.UNIVERSITY: "高校党支部规范化建设清单",
    Sector.SOE: "国有企业党支部规范化建设清单",
    Sector.OTHER: "党支部规范化建设清单",
}


def spread_points(count: int, total: Decimal = TOTAL_POINTS) -> list[Decimal]:
    """`count` item points in steps of 0.5 that add up to `total`; the half points left over
    go to the first items (the organization basics, which the rest depends on)."""
    if count <= 0:
        return []
    base = (total / count / HALF).to_integral_value(rounding="ROUND_FLOOR") * HALF
    extra = int((total - base * count) / HALF)
    return [base + (HALF if index < extra else 0) for index in range(count)]


def default_items(sector: str) -> list[tuple[DefaultItem, Decimal]]:
    """The sector's items in the order of the five basics, each with its points."""
    chosen: Sequence[DefaultItem] = CORE + SECTOR_ADDITIONS[sector]
    ordered = sorted(chosen, key=lambda item: AREA_ORDER.index(BasicArea(item.area)))
    return list(zip(ordered, spread_points(len(ordered)), strict=True))
