"""The recruitment rules as data plus small pure functions: which step may follow which, the
time limits between steps, the people a step needs, and the vote arithmetic. Services gather
the facts from the database (the branch's full members on the day, the steps on file) and
ask `step_errors`; the timeline asks `next_steps`. Messages are Chinese and name the field.

Sources: 《中国共产党发展党员工作细则》(2014, cited as 细则 with its article), 《中国共产党章程》
(党章), and the local practice of filing applications with the township (domain.md)."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from dangjian.core.dates import add_years, age_on

from .choices import Stage, Step

SOURCE_RULES = "《中国共产党发展党员工作细则》"

MIN_AGE = 18  # 党章第一条；细则第五条
TALK_WITHIN_MONTHS = 1  # 细则第八条：收到入党申请书后一个月内派人谈话
FILING_REVIEW_WITHIN_MONTHS = 1  # 地方做法：入党申请书报乡镇党委备案，一个月内审核
ACTIVIST_MIN_YEARS = 1  # 细则第十三条：经过一年以上培养教育和考察
ACTIVIST_REVIEW_EVERY_MONTHS = 6  # 细则第十二条：党支部每半年对入党积极分子进行一次考察
CONTACTS_MIN, CONTACTS_MAX = 1, 2  # 细则第十一条：指定一至两名正式党员作培养联系人
SPONSORS_REQUIRED = 2  # 细则第十五条：两名正式党员作入党介绍人
TRAINING_MIN_DAYS = Decimal(3)  # 细则第十七条：集中培训时间一般不少于3天（或不少于24个学时）
TRAINING_MIN_HOURS = Decimal(24)
APPROVAL_WITHIN_MONTHS = 3  # 细则第二十六条：上级党委在3个月内审批
APPROVAL_SPECIAL_MONTHS = 6  # 细则第二十六条：特殊情况可适当延长审批时间，但不得超过6个月
PROBATION_MONTHS = 12  # 党章第七条：预备期为一年，从支部大会通过之日算起
EXTENSION_MIN_MONTHS, EXTENSION_MAX_MONTHS = (
    6,
    12,
)  # 党章第七条；细则第三十二条：延长不能少于半年，最长不超过一年
CONVERSION_APPROVAL_WITHIN_MONTHS = 3  # 细则第三十三条：上级党委在3个月内审批


@dataclass(frozen=True)
class StepSpec:
    step: Step
    after: Step | None  # the step that must be on file first (its date bounds this one)
    enters: Stage | None = None  # the stage the person is in once this step is on file
    repeatable: bool = False
    source: str = ""


_SEQUENCE: tuple[tuple[Step, Stage | None, bool, str], ...] = (
    (Step.APPLICATION, Stage.APPLICANT, False, "细则第七条"),
    (Step.APPLICATION_TALK, None, False, "细则第八条"),
    (Step.ACTIVIST_SELECTION, Stage.ACTIVIST, False, "细则第九条"),
    (Step.ACTIVIST_FILING, None, False, "细则第十条"),
    (Step.CONTACTS_ASSIGNED, None, False, "细则第十一条"),
    (Step.ACTIVIST_REVIEW, None, True, "细则第十二条"),
    (Step.CANDIDATE_SELECTION, Stage.CANDIDATE, False, "细则第十三条"),
    (Step.CANDIDATE_FILING, None, False, "细则第十四条"),
    (Step.SPONSORS_ASSIGNED, None, False, "细则第十五条"),
    (Step.POLITICAL_REVIEW, None, False, "细则第十六条"),
    (Step.TRAINING, None, False, "细则第十七条"),
    (Step.COMMITTEE_REVIEW, None, False, "细则第十八条"),
    (Step.SUPERIOR_PREREVIEW, None, False, "细则第十九条"),
    (Step.APPLICATION_FORM, None, False, "细则第二十条"),
    (Step.ADMISSION_VOTE, Stage.PROBATIONARY, False, "细则第二十一、二十二条"),
    (Step.SUPERIOR_TALK, None, False, "细则第二十四条"),
    (Step.ADMISSION_APPROVAL, None, False, "细则第二十五、二十六条"),
    (Step.ADMISSION_RECORD_FILING, None, False, "细则第二十七条"),
    (Step.PLACEMENT, None, False, "细则第二十八条"),
    (Step.OATH, None, False, "细则第二十九条"),
    (Step.PROBATION_EDUCATION, None, True, "细则第三十条"),
    (Step.CONVERSION_APPLICATION, None, False, "细则第三十一条"),
    (Step.CONVERSION_VOTE, None, False, "细则第三十二条"),
    (Step.CONVERSION_APPROVAL, Stage.FULL, False, "细则第三十三条"),
    (Step.ARCHIVING, None, False, "细则第三十四条"),
)
# The 25 numbered steps, in order; each needs the one before it.
REQUIRED_STEPS: tuple[Step, ...] = tuple(step for step, *_ in _SEQUENCE)

SPECS: dict[str, StepSpec] = {}
for _index, (_step, _stage, _repeatable, _source) in enumerate(_SEQUENCE):
    SPECS[_step] = StepSpec(
        _step, REQUIRED_STEPS[_index - 1] if _index else None, _stage, _repeatable, f"{SOURCE_RULES}{_source}"
    )
# Optional steps: they do not hold up the numbered ones, but have their own order and limits.
SPECS[Step.APPLICATION_FILING] = StepSpec(
    Step.APPLICATION_FILING, Step.APPLICATION, source="地方做法（domain.md）"
)
SPECS[Step.APPLICATION_FILING_REVIEW] = StepSpec(
    Step.APPLICATION_FILING_REVIEW, Step.APPLICATION_FILING, source="地方做法（domain.md）"
)
SPECS[Step.PROBATION_EXTENSION] = StepSpec(
    Step.PROBATION_EXTENSION, Step.ADMISSION_APPROVAL, source="《中国共产党章程》第七条"
)
# A branch meeting whose vote did not carry is on file too (细则第二十二条: the vote is by the
# meeting; it may be held again), without advancing the person.
SPECS[Step.ADMISSION_VOTE_FAILED] = StepSpec(
    Step.ADMISSION_VOTE_FAILED, Step.APPLICATION_FORM, repeatable=True, source=f"{SOURCE_RULES}第二十二条"
)
SPECS[Step.CONVERSION_VOTE_FAILED] = StepSpec(
    Step.CONVERSION_VOTE_FAILED,
    Step.CONVERSION_APPLICATION,
    repeatable=True,
    source=f"{SOURCE_RULES}第三十二条",
)
# Ending a candidacy: an applicant or activist who no longer meets the conditions is taken
# off the pipeline (细则第十二条: 对不具备条件的及时取消入党积极分子资格). A probationary member
# is already on the roster: cancelling that (党章第七条) is a roster matter, not this step.
SPECS[Step.STOPPED] = StepSpec(Step.STOPPED, Step.APPLICATION, source=f"{SOURCE_RULES}第十二条")
assert len(REQUIRED_STEPS) == 25 and set(SPECS) == set(Step.values)

# Steps that need the people named on them.
TALK_STEPS = frozenset({Step.APPLICATION_TALK, Step.SUPERIOR_TALK})
VOTE_STEPS = frozenset({Step.ADMISSION_VOTE, Step.CONVERSION_VOTE})
# A failed vote and the vote it stands in for.
FAILED_VOTE_STEPS = {
    Step.ADMISSION_VOTE_FAILED: Step.ADMISSION_VOTE,
    Step.CONVERSION_VOTE_FAILED: Step.CONVERSION_VOTE,
}
# Steps whose figures are judged against the branch's full members on the day.
ROSTER_VOTE_STEPS = VOTE_STEPS | frozenset(FAILED_VOTE_STEPS)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the month lacks becomes its last day (31 Jan → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def fmt(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}"


@dataclass(frozen=True)
class StepEntry:
    """What a person wants to record: the step, its date and the figures it carries."""

    step: str
    occurred_on: dt.date
    contacts: Sequence[int] = ()
    sponsors: Sequence[int] = ()
    talker_name: str = ""
    training_days: Decimal | None = None
    training_hours: Decimal | None = None
    votes_present: int | None = None
    votes_in_favour: int | None = None
    extension_months: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Facts:
    """What the database knows: the person's birth date, the steps on file (dates, ascending),
    the full members of the branch on the step's date (id → name), today."""

    birth_date: dt.date
    today: dt.date
    history: Mapping[str, Sequence[dt.date]] = field(default_factory=dict)
    extension_months: int = 0
    full_members: Mapping[int, str] = field(default_factory=dict)
    people_names: Mapping[int, str] = field(default_factory=dict)


def probation_ends(vote_on: dt.date, extension_months: int = 0) -> dt.date:
    """预备期满之日: one year from the branch meeting's vote, plus any extension."""
    return add_months(vote_on, PROBATION_MONTHS + extension_months)


def _last(facts: Facts, step: Step) -> dt.date | None:
    dates = facts.history.get(step) or ()
    return max(dates) if dates else None


def step_errors(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    """Every rule the entry breaks, as (field, message) pairs; empty if it may be recorded."""
    spec = SPECS[entry.step]
    label = Step(entry.step).label
    day = entry.occurred_on
    errors: list[tuple[str, str]] = []
    if day > facts.today:
        errors.append(("occurred_on", "日期不能晚于今天"))
    if not spec.repeatable and facts.history.get(entry.step):
        errors.append(("step", f"“{label}”已于{fmt(max(facts.history[entry.step]))}记录，不能重复记录"))
    if facts.history.get(Step.CONVERSION_APPROVAL) and entry.step != Step.ARCHIVING:
        errors.append(("step", "已转为正式党员，发展程序已结束"))
    if spec.after is not None:
        previous = _last(facts, spec.after)
        if previous is None:
            errors.append(("step", f"尚未完成“{spec.after.label}”，不能记录“{label}”（{spec.source}）"))
        elif day < previous:
            errors.append(("occurred_on", f"不能早于“{spec.after.label}”的日期{fmt(previous)}"))
    checker = _CHECKS.get(entry.step)
    if checker is not None:
        errors.extend(checker(entry, facts))
    return errors


def _check_application(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    if age_on(facts.birth_date, entry.occurred_on) < MIN_AGE:
        reaches = add_years(facts.birth_date, MIN_AGE)
        return [
            (
                "occurred_on",
                f"递交入党申请书时未满{MIN_AGE}周岁（{fmt(reaches)}满{MIN_AGE}周岁）；依据：《中国共产党章程》第一条、细则第五条",
            )
        ]
    return []


def _within(
    entry: StepEntry, start: dt.date | None, months: int, what: str, source: str
) -> list[tuple[str, str]]:
    if start is None:
        return []
    deadline = add_months(start, months)
    if entry.occurred_on > deadline:
        return [
            ("occurred_on", f"应在{what}后{_months_cn(months)}内完成（最迟{fmt(deadline)}）；依据：{source}")
        ]
    return []


def _months_cn(months: int) -> str:
    return {1: "一个月", 3: "3个月", 6: "6个月"}.get(months, f"{months}个月")


def _check_talk(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    errors = []
    if not entry.talker_name.strip():
        errors.append(("talker_name", "请填写谈话人"))
    if entry.step == Step.APPLICATION_TALK:
        errors.extend(
            _within(
                entry,
                _last(facts, Step.APPLICATION),
                TALK_WITHIN_MONTHS,
                "收到入党申请书",
                f"{SOURCE_RULES}第八条",
            )
        )
    return errors


def _check_filing_review(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    return _within(
        entry,
        _last(facts, Step.APPLICATION_FILING),
        FILING_REVIEW_WITHIN_MONTHS,
        "入党申请书备案",
        "地方做法（乡镇党委对备案的入党申请书一个月内审核）",
    )


def _people_errors(
    name: str, ids: Sequence[int], facts: Facts, role: str, minimum: int, maximum: int
) -> list[tuple[str, str]]:
    errors = []
    unique = list(dict.fromkeys(ids))
    if not minimum <= len(unique) <= maximum:
        wanted = f"{minimum}名" if minimum == maximum else f"{minimum}至{maximum}名"
        errors.append((name, f"{role}应为{wanted}正式党员，实际{len(unique)}名"))
    strangers = [facts.people_names.get(pk, str(pk)) for pk in unique if pk not in facts.full_members]
    if strangers:
        errors.append((name, f"{role}须为本支部当日的正式党员：{'、'.join(strangers)}不是"))
    return errors


def _check_contacts(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    return _people_errors("contacts", entry.contacts, facts, "培养联系人", CONTACTS_MIN, CONTACTS_MAX)


def _check_sponsors(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    return _people_errors(
        "sponsors", entry.sponsors, facts, "入党介绍人", SPONSORS_REQUIRED, SPONSORS_REQUIRED
    )


def _check_candidate(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    activist_on = _last(facts, Step.ACTIVIST_SELECTION)
    if activist_on is None:
        return []
    errors = []
    earliest = add_years(activist_on, ACTIVIST_MIN_YEARS)
    if entry.occurred_on < earliest:
        errors.append(
            (
                "occurred_on",
                f"入党积极分子须经过一年以上培养考察，{fmt(earliest)}起方可确定为发展对象；依据：{SOURCE_RULES}第十三条",
            )
        )
    reviews = sorted(d for d in facts.history.get(Step.ACTIVIST_REVIEW, ()) if d <= entry.occurred_on)
    chain = [activist_on, *reviews, entry.occurred_on]
    for earlier, later in itertools.pairwise(chain):
        due = add_months(earlier, ACTIVIST_REVIEW_EVERY_MONTHS)
        if later > due:
            errors.append(
                (
                    "occurred_on",
                    f"党支部应每半年考察一次入党积极分子：{fmt(earlier)}之后应在{fmt(due)}前考察，"
                    f"下一次考察却在{fmt(later)}；依据：{SOURCE_RULES}第十二条",
                )
            )
            break
    return errors


def _check_training(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    days, hours = entry.training_days, entry.training_hours
    if (days is not None and days >= TRAINING_MIN_DAYS) or (
        hours is not None and hours >= TRAINING_MIN_HOURS
    ):
        return []
    return [
        (
            "training_days",
            f"集中培训时间不少于{TRAINING_MIN_DAYS}天或{TRAINING_MIN_HOURS}个学时"
            f"（填报{days or 0}天、{hours or 0}学时）；依据：{SOURCE_RULES}第十七条",
        )
    ]


def vote_errors(entitled: int, present: int | None, in_favour: int | None) -> list[tuple[str, str]]:
    """支部大会: valid with more than half of the voting members present, carried with more
    than half of the voting full members in favour (细则第二十二条; 支部工作条例)."""
    if present is None:
        return [("votes_present", "请填写到会有表决权的党员人数")]
    if in_favour is None:
        return [("votes_in_favour", "请填写赞成人数")]
    errors = []
    if entitled <= 0:
        return [("votes_present", "该日支部没有有表决权的正式党员，不能表决")]
    if present > entitled:
        errors.append(("votes_present", f"到会{present}人，超过应到会有表决权的正式党员{entitled}人"))
    elif present * 2 <= entitled:
        errors.append(
            ("votes_present", f"到会{present}人，未超过应到会有表决权的正式党员{entitled}人的半数，会议无效")
        )
    if in_favour > present:
        errors.append(("votes_in_favour", f"赞成{in_favour}人，超过到会人数{present}人"))
    elif in_favour * 2 <= entitled:
        errors.append(
            (
                "votes_in_favour",
                f"赞成{in_favour}人，未超过应到会有表决权的正式党员{entitled}人的半数，不能通过",
            )
        )
    return errors


def _check_vote(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    errors = vote_errors(len(facts.full_members), entry.votes_present, entry.votes_in_favour)
    vote_on = _last(facts, Step.ADMISSION_VOTE)
    if entry.step == Step.CONVERSION_VOTE and vote_on is not None:
        ends = probation_ends(vote_on, facts.extension_months)
        if entry.occurred_on < ends:
            errors.append(
                (
                    "occurred_on",
                    f"预备期至{fmt(ends)}届满，届满后方可讨论转正；依据：《中国共产党章程》第七条",
                )
            )
    return errors


def _check_failed_vote(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    """A vote that did not carry: the meeting was valid, the majority was not reached."""
    passed = FAILED_VOTE_STEPS[Step(entry.step)]
    if facts.history.get(passed):
        return [("step", f"“{passed.label}”已于{fmt(max(facts.history[passed]))}通过，不能再记录未通过")]
    errors = [
        (name, message)
        for name, message in vote_errors(len(facts.full_members), entry.votes_present, entry.votes_in_favour)
        if "不能通过" not in message
    ]
    if errors:
        return errors
    entitled = len(facts.full_members)
    if (entry.votes_in_favour or 0) * 2 > entitled:
        return [
            (
                "votes_in_favour",
                f"赞成{entry.votes_in_favour}人，已超过应到会有表决权的正式党员{entitled}人的半数，表决通过，"
                f"请记录为“{passed.label}”",
            )
        ]
    if entry.step == Step.CONVERSION_VOTE_FAILED:
        as_vote = dataclasses.replace(entry, step=Step.CONVERSION_VOTE)
        return [e for e in _check_vote(as_vote, facts) if e[0] == "occurred_on"]
    return []


def _check_stop(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    errors = []
    if not entry.reason.strip():
        errors.append(("reason", "请填写取消资格（终止发展程序）的理由"))
    if facts.history.get(Step.ADMISSION_VOTE):
        errors.append(
            (
                "step",
                "已接收为预备党员：取消预备党员资格须经支部大会讨论、上级党委批准，在党员管理中办理；"
                "依据：《中国共产党章程》第七条",
            )
        )
    return errors


def _check_admission_approval(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    vote_on = _last(facts, Step.ADMISSION_VOTE)
    if vote_on is None:
        return []
    usual, longest = add_months(vote_on, APPROVAL_WITHIN_MONTHS), add_months(vote_on, APPROVAL_SPECIAL_MONTHS)
    if entry.occurred_on <= usual:
        return []
    if entry.occurred_on > longest:
        return [
            (
                "occurred_on",
                f"上级党委审批最长不超过支部大会通过后6个月（最迟{fmt(longest)}）；依据：{SOURCE_RULES}第二十六条",
            )
        ]
    if not entry.reason.strip():
        return [
            (
                "reason",
                f"超过支部大会通过后3个月（{fmt(usual)}）审批，属特殊情况，须填写延长审批的理由；"
                f"依据：{SOURCE_RULES}第二十六条",
            )
        ]
    return []


def _check_extension(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    errors = []
    months = entry.extension_months
    if months is None or not EXTENSION_MIN_MONTHS <= months <= EXTENSION_MAX_MONTHS:
        errors.append(
            (
                "extension_months",
                f"延长预备期不能少于{EXTENSION_MIN_MONTHS}个月，最长不超过{EXTENSION_MAX_MONTHS}个月；依据：《中国共产党章程》第七条",
            )
        )
    if not entry.reason.strip():
        errors.append(("reason", "请填写延长预备期的理由"))
    if facts.history.get(Step.CONVERSION_VOTE):
        errors.append(("step", "已讨论转正，不能再延长预备期"))
    return errors


def _check_conversion_approval(entry: StepEntry, facts: Facts) -> list[tuple[str, str]]:
    return _within(
        entry,
        _last(facts, Step.CONVERSION_VOTE),
        CONVERSION_APPROVAL_WITHIN_MONTHS,
        "支部大会讨论转正",
        f"{SOURCE_RULES}第三十三条",
    )


_CHECKS: dict[str, Callable[[StepEntry, Facts], list[tuple[str, str]]]] = {
    Step.APPLICATION: _check_application,
    Step.APPLICATION_TALK: _check_talk,
    Step.SUPERIOR_TALK: _check_talk,
    Step.APPLICATION_FILING_REVIEW: _check_filing_review,
    Step.CONTACTS_ASSIGNED: _check_contacts,
    Step.CANDIDATE_SELECTION: _check_candidate,
    Step.SPONSORS_ASSIGNED: _check_sponsors,
    Step.TRAINING: _check_training,
    Step.ADMISSION_VOTE: _check_vote,
    Step.CONVERSION_VOTE: _check_vote,
    Step.ADMISSION_APPROVAL: _check_admission_approval,
    Step.PROBATION_EXTENSION: _check_extension,
    Step.CONVERSION_APPROVAL: _check_conversion_approval,
    Step.ADMISSION_VOTE_FAILED: _check_failed_vote,
    Step.CONVERSION_VOTE_FAILED: _check_failed_vote,
    Step.STOPPED: _check_stop,
}


def stage_after(history: Mapping[str, Sequence[dt.date]]) -> Stage:
    """The stage reached by the steps on file."""
    stage = Stage.APPLICANT
    for step in REQUIRED_STEPS:
        if history.get(step) and SPECS[step].enters is not None:
            stage = SPECS[step].enters  # type: ignore[assignment]
    return stage


@dataclass(frozen=True)
class NextStep:
    step: Step
    earliest: dt.date | None  # not before this day
    deadline: dt.date | None  # by this day
    source: str


def next_steps(history: Mapping[str, Sequence[dt.date]], extension_months: int = 0) -> list[NextStep]:
    """What is due next and by when: the next numbered step, and the open optional or periodic
    ones (the filing review, the half-yearly activist review while still an activist)."""
    due: list[NextStep] = []

    def last(step: Step) -> dt.date | None:
        dates = history.get(step) or ()
        return max(dates) if dates else None

    filed = last(Step.APPLICATION_FILING)
    if filed and not history.get(Step.APPLICATION_FILING_REVIEW):
        due.append(
            NextStep(
                Step.APPLICATION_FILING_REVIEW,
                filed,
                add_months(filed, FILING_REVIEW_WITHIN_MONTHS),
                SPECS[Step.APPLICATION_FILING_REVIEW].source,
            )
        )
    pending = next((step for step in REQUIRED_STEPS if not history.get(step)), None)
    if pending is None:
        return due
    after = SPECS[pending].after
    previous = last(after) if after is not None else None
    earliest, deadline = previous, None
    activist_on = last(Step.ACTIVIST_SELECTION)
    vote_on = last(Step.ADMISSION_VOTE)
    if pending == Step.APPLICATION_TALK and previous:
        deadline = add_months(previous, TALK_WITHIN_MONTHS)
    elif pending == Step.CANDIDATE_SELECTION and activist_on:
        earliest = add_years(activist_on, ACTIVIST_MIN_YEARS)
        latest_review = max([activist_on, *history.get(Step.ACTIVIST_REVIEW, ())])
        due.append(
            NextStep(
                Step.ACTIVIST_REVIEW,
                latest_review,
                add_months(latest_review, ACTIVIST_REVIEW_EVERY_MONTHS),
                SPECS[Step.ACTIVIST_REVIEW].source,
            )
        )
    elif pending == Step.ADMISSION_APPROVAL and vote_on:
        deadline = add_months(vote_on, APPROVAL_WITHIN_MONTHS)
    elif pending in (Step.CONVERSION_APPLICATION,) and vote_on:
        deadline = probation_ends(vote_on, extension_months)
    elif pending == Step.CONVERSION_VOTE and vote_on:
        earliest = probation_ends(vote_on, extension_months)
    elif pending == Step.CONVERSION_APPROVAL and previous:
        deadline = add_months(previous, CONVERSION_APPROVAL_WITHIN_MONTHS)
    due.insert(0, NextStep(pending, earliest, deadline, SPECS[pending].source))
    return due
