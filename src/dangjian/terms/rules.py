"""The rules of committee terms and elections (换届选举) as data plus small pure functions:
how long a term runs, when an election is due, when a postponement is allowed, when an
election meeting is valid and who is elected. Services gather the figures and ask here;
messages are Chinese and name the field.

Sources: 《中国共产党基层组织选举工作条例》(2020, cited as 选举条例 with its article),
《中国共产党支部工作条例（试行）》(2018), 《中国共产党农村基层组织工作条例》(2019) and the
figures of domain.md."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dangjian.core.dates import add_years
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.recruitment.rules import add_months

SOURCE_ELECTIONS = "《中国共产党基层组织选举工作条例》（2020年）"

# Organizations that elect a committee (or, without one, a secretary) for a term. 党工委 are
# dispatched bodies and 临时党支部 are appointed; 党小组 elect nobody the platform tracks.
ELECTED_KINDS = frozenset({OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH, OrgKind.JOINT_BRANCH})

# 基层党委 5 years; village and community branches 5 years (农村基层组织工作条例 2019,
# 支部工作条例 as amended); other branches and general branches 3 or 5 years (选举条例 2020).
FIVE_YEAR_SECTORS = frozenset({Sector.RURAL, Sector.COMMUNITY})
SOURCE_TERM_YEARS = "《中国共产党支部工作条例（试行）》；《中国共产党农村基层组织工作条例》；选举条例"

# 选举条例第三条: postponing (or advancing) an election needs the superior's approval and
# generally not more than one year.
POSTPONE_MAX_YEARS = 1
SOURCE_POSTPONE = f"{SOURCE_ELECTIONS}第三条"

# Candidates exceed seats by at least 20% (差额选举, domain.md): candidates ≥ seats × 6/5.
SURPLUS_NUMERATOR, SURPLUS_DENOMINATOR = 6, 5
# The meeting is valid when more than four fifths of the members entitled to vote attend.
QUORUM_NUMERATOR, QUORUM_DENOMINATOR = 4, 5
# A person is elected with more than half of the votes of those present entitled to vote.
SOURCE_VOTING = f"{SOURCE_ELECTIONS}选举的实施（差额、到会人数、当选票数）"

# The calendar lists elections due within this many months (and every overdue one).
DUE_HORIZON_MONTHS = 6


def allowed_term_years(kind: str, sector: str) -> tuple[int, ...]:
    if kind == OrgKind.COMMITTEE or sector in FIVE_YEAR_SECTORS:
        return (5,)
    return (3, 5)


def term_years_errors(kind: str, sector: str, years: int | None) -> list[tuple[str, str]]:
    allowed = allowed_term_years(kind, sector)
    if years in allowed:
        return []
    wanted = "或".join(f"{y}年" for y in allowed)
    who = (
        "基层党委"
        if kind == OrgKind.COMMITTEE
        else ("村、社区党组织" if sector in FIVE_YEAR_SECTORS else "该组织")
    )
    return [("term_years", f"{who}每届任期应为{wanted}（填报{years or '空'}）；依据：{SOURCE_TERM_YEARS}")]


def term_ends(started_on: dt.date, years: int) -> dt.date:
    return add_years(started_on, years)


def due_date(term_ends_on: dt.date, postponed_to: dt.date | None) -> dt.date:
    """The day the election is due: the term's end, or the approved postponed day."""
    return postponed_to if postponed_to is not None and postponed_to > term_ends_on else term_ends_on


def horizon(today: dt.date) -> dt.date:
    return add_months(today, DUE_HORIZON_MONTHS)


def latest_postponement(term_ends_on: dt.date) -> dt.date:
    return add_years(term_ends_on, POSTPONE_MAX_YEARS)


def postponement_errors(
    *,
    term_ends_on: dt.date | None,
    postponed_to: dt.date,
    reason: str,
    approved_by: str,
    approved_on: dt.date,
    today: dt.date,
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if term_ends_on is None:
        return [("postponed_to", "该组织未登记本届任期开始日期和任期年限，无法计算换届日期")]
    latest = latest_postponement(term_ends_on)
    if postponed_to <= term_ends_on:
        errors.append(("postponed_to", f"延期后的日期应晚于任期届满日{term_ends_on:%Y-%m-%d}"))
    elif postponed_to > latest:
        errors.append(
            (
                "postponed_to",
                f"延期换届一般不超过1年：任期{term_ends_on:%Y-%m-%d}届满，最迟延至{latest:%Y-%m-%d}；依据：{SOURCE_POSTPONE}",
            )
        )
    if not reason.strip():
        errors.append(("reason", "请填写延期换届的理由"))
    if not approved_by.strip():
        errors.append(
            ("approved_by", f"延期换届须经上级党组织批准，请填写批准的党组织；依据：{SOURCE_POSTPONE}")
        )
    if approved_on > today:
        errors.append(("approved_on", "批准日期不能晚于今天"))
    return errors


def min_candidates(seats: int) -> int:
    """The fewest candidates for `seats`: at least 20% more, rounded up (3 seats → 4, 5 → 6, 7 → 9)."""
    return -(-seats * SURPLUS_NUMERATOR // SURPLUS_DENOMINATOR)


def quorum_met(entitled: int, present: int) -> bool:
    """More than four fifths present: present / entitled > 4/5, in integers."""
    return present * QUORUM_DENOMINATOR > entitled * QUORUM_NUMERATOR


@dataclass(frozen=True)
class Ballot:
    """The figures of one election meeting as recorded."""

    held_on: dt.date
    seats: int
    candidates: Sequence[str]
    voters_entitled: int
    voters_present: int
    elected: Sequence[tuple[str, int]]  # (name, votes in favour)


def election_errors(
    ballot: Ballot, *, term_started_on: dt.date | None, today: dt.date
) -> list[tuple[str, str]]:
    """Every rule the election record breaks, as (field, message) pairs."""
    errors: list[tuple[str, str]] = []
    if ballot.held_on > today:
        errors.append(("held_on", "选举日期不能晚于今天"))
    if term_started_on is not None and ballot.held_on <= term_started_on:
        errors.append(("held_on", f"选举日期应晚于本届任期开始日{term_started_on:%Y-%m-%d}"))
    if ballot.seats < 1:
        errors.append(("seats", "应选人数至少为1人"))
    names = [name.strip() for name in ballot.candidates if name.strip()]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        errors.append(("candidates", f"候选人重复：{'、'.join(duplicates)}"))
    needed = min_candidates(ballot.seats)
    if ballot.seats >= 1 and len(set(names)) < needed:
        errors.append(
            (
                "candidates",
                f"应选{ballot.seats}人，候选人应多于应选人数20%，至少{needed}人（填报{len(set(names))}人）；依据：{SOURCE_VOTING}",
            )
        )
    if ballot.voters_entitled < 1:
        errors.append(("voters_entitled", "应到会有选举权的党员人数至少为1人"))
    elif ballot.voters_present > ballot.voters_entitled:
        errors.append(
            (
                "voters_present",
                f"实到{ballot.voters_present}人，超过应到会有选举权的{ballot.voters_entitled}人",
            )
        )
    elif not quorum_met(ballot.voters_entitled, ballot.voters_present):
        errors.append(
            (
                "voters_present",
                f"实到{ballot.voters_present}人，未超过应到会有选举权的{ballot.voters_entitled}人的五分之四，选举无效；依据：{SOURCE_VOTING}",
            )
        )
    if not ballot.elected:
        errors.append(("elected", "请填写当选人及其得票"))
    if len(ballot.elected) > ballot.seats:
        errors.append(("elected", f"当选{len(ballot.elected)}人，超过应选{ballot.seats}人"))
    strangers = [name for name, _ in ballot.elected if name not in names]
    if strangers:
        errors.append(("elected", f"当选人不在候选人名单中：{'、'.join(strangers)}"))
    for name, votes in ballot.elected:
        if votes > ballot.voters_present:
            errors.append(("elected", f"{name}得票{votes}张，超过实到会人数{ballot.voters_present}人"))
        elif votes * 2 <= ballot.voters_present:
            errors.append(
                (
                    "elected",
                    f"{name}得票{votes}张，未超过实到会有选举权人数{ballot.voters_present}人的半数，不能当选；依据：{SOURCE_VOTING}",
                )
            )
    return errors


def parse_names(text: str) -> list[str]:
    """Names typed one a line or separated by 、，, or spaces."""
    return [part for part in re.split(r"[\s、，,；;]+", text) if part]


def parse_elected(text: str) -> tuple[list[tuple[str, int]], list[str]]:
    """Lines "姓名 票数" (or 姓名:票数) → [(name, votes)], and the Chinese errors of bad lines."""
    elected: list[tuple[str, int]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"(\S+?)\s*[：:\s]\s*(\d+)\s*票?", line)
        if match is None:
            problems.append(f"第{number}行“{line}”应写成“姓名 得票数”")
            continue
        elected.append((match.group(1), int(match.group(2))))
    return elected, problems
