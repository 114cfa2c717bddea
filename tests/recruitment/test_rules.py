"""Every time limit and precondition of the pipeline at its boundary: the day before, the
day, the day after; leap years and month ends; extensions."""

import datetime as dt
from decimal import Decimal

import pytest

from dangjian.recruitment import rules
from dangjian.recruitment.choices import Stage, Step
from dangjian.recruitment.rules import Facts, StepEntry, add_months, next_steps, step_errors

D = dt.date
TODAY = D(2026, 11, 23)
BIRTH = D(1995, 4, 2)


def done_before(step: Step, day: dt.date, **extra: list[dt.date]) -> dict[str, list[dt.date]]:
    """Every numbered step before `step` on file on `day`, then `extra` dates per step."""
    history: dict[str, list[dt.date]] = {}
    for earlier in rules.REQUIRED_STEPS:
        if earlier == step:
            break
        history[earlier] = [day]
    history.update(extra)
    return history


def fields_of(errors: list[tuple[str, str]]) -> set[str]:
    return {name for name, _ in errors}


def check(step: Step, day: dt.date, history: dict, **entry_fields) -> set[str]:
    facts = Facts(
        birth_date=entry_fields.pop("birth_date", BIRTH),
        today=TODAY,
        history=history,
        full_members=entry_fields.pop("full_members", {}),
        extension_months=entry_fields.pop("probation_extended", 0),
    )
    return fields_of(step_errors(StepEntry(step=step, occurred_on=day, **entry_fields), facts))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 3, 31), 1, D(2025, 4, 30)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("birth", "applied", "ok"),
    [
        (D(2000, 6, 15), D(2018, 6, 14), False),
        (D(2000, 6, 15), D(2018, 6, 15), True),
        (D(2000, 6, 15), D(2018, 6, 16), True),
        # Born on 29 February: 18 on 1 March in a common year, not on 28 February.
        (D(2000, 2, 29), D(2018, 2, 28), False),
        (D(2000, 2, 29), D(2018, 3, 1), True),
        (D(2004, 2, 29), D(2022, 3, 1), True),
    ],
)
def test_applicant_is_at_least_18_on_the_day_of_application(birth, applied, ok):
    found = check(Step.APPLICATION, applied, {}, birth_date=birth)
    assert (found == set()) is ok
    if not ok:
        assert found == {"occurred_on"}


@pytest.mark.parametrize(
    ("applied", "talked", "ok"),
    [
        (D(2025, 3, 10), D(2025, 4, 9), True),
        (D(2025, 3, 10), D(2025, 4, 10), True),
        (D(2025, 3, 10), D(2025, 4, 11), False),
        (D(2025, 1, 31), D(2025, 2, 28), True),
        (D(2025, 1, 31), D(2025, 3, 1), False),
        (D(2024, 1, 31), D(2024, 2, 29), True),
        (D(2024, 1, 31), D(2024, 3, 1), False),
        (D(2025, 12, 20), D(2026, 1, 20), True),
        (D(2025, 12, 20), D(2026, 1, 21), False),
    ],
)
def test_talk_within_one_month_of_the_application(applied, talked, ok):
    found = check(Step.APPLICATION_TALK, talked, {Step.APPLICATION: [applied]}, talker_name="王书记")
    assert found == (set() if ok else {"occurred_on"})


def test_talk_names_the_talker_and_is_not_before_the_application():
    assert check(Step.APPLICATION_TALK, D(2025, 3, 12), {Step.APPLICATION: [D(2025, 3, 10)]}) == {
        "talker_name"
    }
    assert check(
        Step.APPLICATION_TALK, D(2025, 3, 9), {Step.APPLICATION: [D(2025, 3, 10)]}, talker_name="王"
    ) == {"occurred_on"}


@pytest.mark.parametrize(
    ("filed", "reviewed", "ok"),
    [
        (D(2025, 5, 31), D(2025, 6, 29), True),
        (D(2025, 5, 31), D(2025, 6, 30), True),
        (D(2025, 5, 31), D(2025, 7, 1), False),
        (D(2024, 1, 30), D(2024, 2, 29), True),
        (D(2024, 1, 30), D(2024, 3, 1), False),
    ],
)
def test_township_reviews_a_filed_application_within_one_month(filed, reviewed, ok):
    history = {Step.APPLICATION: [filed], Step.APPLICATION_FILING: [filed]}
    assert check(Step.APPLICATION_FILING_REVIEW, reviewed, history) == (set() if ok else {"occurred_on"})


def test_filing_review_needs_the_filing_and_filing_does_not_hold_up_the_pipeline():
    assert check(Step.APPLICATION_FILING_REVIEW, D(2025, 6, 1), {Step.APPLICATION: [D(2025, 5, 1)]}) == {
        "step"
    }
    history = done_before(Step.ACTIVIST_SELECTION, D(2025, 5, 1))
    assert check(Step.ACTIVIST_SELECTION, D(2025, 6, 1), history) == set()


@pytest.mark.parametrize(
    ("activist_on", "reviews", "chosen", "ok"),
    [
        (D(2024, 3, 15), [D(2024, 9, 15), D(2025, 3, 14)], D(2025, 3, 14), False),
        (D(2024, 3, 15), [D(2024, 9, 15), D(2025, 3, 15)], D(2025, 3, 15), True),
        (D(2024, 3, 15), [D(2024, 9, 15), D(2025, 3, 15)], D(2025, 3, 16), True),
        # 29 February: a year later is 28 February; the half-year before is 29 August.
        (D(2024, 2, 29), [D(2024, 8, 29), D(2025, 2, 27)], D(2025, 2, 27), False),
        (D(2024, 2, 29), [D(2024, 8, 29), D(2025, 2, 28)], D(2025, 2, 28), True),
    ],
)
def test_activist_at_least_one_year_before_candidate(activist_on, reviews, chosen, ok):
    history = done_before(Step.CANDIDATE_SELECTION, activist_on)
    history[Step.ACTIVIST_REVIEW] = reviews
    assert check(Step.CANDIDATE_SELECTION, chosen, history) == (set() if ok else {"occurred_on"})


@pytest.mark.parametrize(
    ("first_review", "ok"),
    [(D(2024, 9, 14), True), (D(2024, 9, 15), True), (D(2024, 9, 16), False)],
)
def test_activists_reviewed_every_half_year(first_review, ok):
    activist_on = D(2024, 3, 15)
    history = done_before(Step.CANDIDATE_SELECTION, activist_on)
    history[Step.ACTIVIST_REVIEW] = [first_review, D(2025, 3, 1)]
    assert check(Step.CANDIDATE_SELECTION, D(2025, 3, 20), history) == (set() if ok else {"occurred_on"})


def test_the_last_review_is_at_most_half_a_year_before_the_candidate_decision():
    history = done_before(Step.CANDIDATE_SELECTION, D(2024, 3, 15))
    history[Step.ACTIVIST_REVIEW] = [D(2024, 9, 10), D(2024, 9, 20)]
    assert check(Step.CANDIDATE_SELECTION, D(2025, 3, 20), history) == set()
    assert check(Step.CANDIDATE_SELECTION, D(2025, 3, 21), history) == {"occurred_on"}


FULL = {1: "张建国", 2: "李秀英", 3: "王强"}


@pytest.mark.parametrize(("contacts", "ok"), [([], False), ([1], True), ([1, 2], True), ([1, 2, 3], False)])
def test_one_or_two_contacts(contacts, ok):
    history = done_before(Step.CONTACTS_ASSIGNED, D(2025, 1, 1))
    assert check(Step.CONTACTS_ASSIGNED, D(2025, 1, 2), history, contacts=contacts, full_members=FULL) == (
        set() if ok else {"contacts"}
    )


@pytest.mark.parametrize(
    ("sponsors", "ok"), [([1], False), ([1, 2], True), ([1, 1], False), ([1, 2, 3], False)]
)
def test_two_sponsors(sponsors, ok):
    history = done_before(Step.SPONSORS_ASSIGNED, D(2025, 1, 1))
    assert check(Step.SPONSORS_ASSIGNED, D(2025, 1, 2), history, sponsors=sponsors, full_members=FULL) == (
        set() if ok else {"sponsors"}
    )


def test_sponsors_must_be_full_members_of_the_branch_on_the_day():
    history = done_before(Step.SPONSORS_ASSIGNED, D(2025, 1, 1))
    errors = step_errors(
        StepEntry(step=Step.SPONSORS_ASSIGNED, occurred_on=D(2025, 1, 2), sponsors=[1, 9]),
        Facts(birth_date=BIRTH, today=TODAY, history=history, full_members=FULL, people_names={9: "赵丽"}),
    )
    assert errors == [("sponsors", "入党介绍人须为本支部当日的正式党员：赵丽不是")]


@pytest.mark.parametrize(
    ("days", "hours", "ok"),
    [
        (Decimal("2.5"), None, False),
        (Decimal(3), None, True),
        (Decimal("3.5"), None, True),
        (None, Decimal(23), False),
        (None, Decimal(24), True),
        (Decimal(2), Decimal(24), True),
        (None, None, False),
    ],
)
def test_training_at_least_three_days_or_24_hours(days, hours, ok):
    history = done_before(Step.TRAINING, D(2025, 1, 1))
    found = check(Step.TRAINING, D(2025, 1, 5), history, training_days=days, training_hours=hours)
    assert found == (set() if ok else {"training_days"})


@pytest.mark.parametrize(
    ("entitled", "present", "in_favour", "expected"),
    [
        (9, 4, 4, {"votes_present", "votes_in_favour"}),
        (9, 5, 5, set()),
        (9, 9, 4, {"votes_in_favour"}),
        (10, 5, 5, {"votes_present", "votes_in_favour"}),
        (10, 6, 5, {"votes_in_favour"}),
        (10, 6, 6, set()),
        (10, 11, 6, {"votes_present"}),
        (10, 6, 7, {"votes_in_favour"}),
        (1, 1, 1, set()),
        (0, 0, 0, {"votes_present"}),
    ],
)
def test_vote_quorum_and_majority(entitled, present, in_favour, expected):
    assert fields_of(rules.vote_errors(entitled, present, in_favour)) == expected


def test_vote_counts_the_branch_full_members_on_the_day():
    history = done_before(Step.ADMISSION_VOTE, D(2025, 1, 1))
    full = {pk: f"党员{pk}" for pk in range(1, 8)}
    assert (
        check(
            Step.ADMISSION_VOTE, D(2025, 1, 5), history, full_members=full, votes_present=4, votes_in_favour=4
        )
        == set()
    )
    full[8] = "党员8"
    assert check(
        Step.ADMISSION_VOTE, D(2025, 1, 5), history, full_members=full, votes_present=4, votes_in_favour=4
    ) == {
        "votes_present",
        "votes_in_favour",
    }


@pytest.mark.parametrize(
    ("vote_on", "approved_on", "reason", "expected"),
    [
        (D(2025, 1, 31), D(2025, 4, 29), "", set()),
        (D(2025, 1, 31), D(2025, 4, 30), "", set()),
        (D(2025, 1, 31), D(2025, 5, 1), "", {"reason"}),
        (D(2025, 1, 31), D(2025, 5, 1), "上级党委换届，推迟审批", set()),
        (D(2025, 1, 31), D(2025, 7, 31), "上级党委换届，推迟审批", set()),
        (D(2025, 1, 31), D(2025, 8, 1), "上级党委换届，推迟审批", {"occurred_on"}),
        (D(2023, 11, 30), D(2024, 2, 29), "", set()),
        (D(2023, 11, 30), D(2024, 3, 1), "", {"reason"}),
    ],
)
def test_approval_within_three_months_six_with_a_reason(vote_on, approved_on, reason, expected):
    history = done_before(Step.ADMISSION_APPROVAL, vote_on)
    assert check(Step.ADMISSION_APPROVAL, approved_on, history, reason=reason) == expected


@pytest.mark.parametrize(
    ("months", "reason", "expected"),
    [
        (5, "考察期间表现不足", {"extension_months"}),
        (6, "考察期间表现不足", set()),
        (12, "考察期间表现不足", set()),
        (13, "考察期间表现不足", {"extension_months"}),
        (None, "考察期间表现不足", {"extension_months"}),
        (6, "", {"reason"}),
    ],
)
def test_extension_of_probation_six_to_twelve_months(months, reason, expected):
    history = done_before(Step.ADMISSION_RECORD_FILING, D(2025, 1, 10))
    found = check(Step.PROBATION_EXTENSION, D(2026, 1, 10), history, extension_months=months, reason=reason)
    assert found == expected


@pytest.mark.parametrize(
    ("vote_on", "extension", "conversion_on", "ok"),
    [
        (D(2024, 6, 24), 0, D(2025, 6, 23), False),
        (D(2024, 6, 24), 0, D(2025, 6, 24), True),
        (D(2024, 6, 24), 0, D(2025, 6, 25), True),
        (D(2024, 2, 29), 0, D(2025, 2, 27), False),
        (D(2024, 2, 29), 0, D(2025, 2, 28), True),
        (D(2024, 2, 29), 6, D(2025, 8, 28), False),
        (D(2024, 2, 29), 6, D(2025, 8, 29), True),
        (D(2024, 8, 31), 6, D(2026, 2, 27), False),
        (D(2024, 8, 31), 6, D(2026, 2, 28), True),
        (D(2024, 6, 24), 12, D(2026, 6, 23), False),
        (D(2024, 6, 24), 12, D(2026, 6, 24), True),
    ],
)
def test_conversion_vote_only_once_probation_has_run(vote_on, extension, conversion_on, ok):
    history = done_before(Step.CONVERSION_VOTE, vote_on)
    found = check(
        Step.CONVERSION_VOTE,
        conversion_on,
        history,
        probation_extended=extension,
        full_members=FULL,
        votes_present=2,
        votes_in_favour=2,
    )
    assert found == (set() if ok else {"occurred_on"})


@pytest.mark.parametrize(
    ("voted", "approved", "ok"),
    [
        (D(2025, 11, 30), D(2026, 2, 27), True),
        (D(2025, 11, 30), D(2026, 2, 28), True),
        (D(2025, 11, 30), D(2026, 3, 1), False),
        (D(2025, 6, 24), D(2025, 9, 24), True),
        (D(2025, 6, 24), D(2025, 9, 25), False),
    ],
)
def test_conversion_approved_within_three_months(voted, approved, ok):
    history = done_before(Step.CONVERSION_APPROVAL, voted)
    assert check(Step.CONVERSION_APPROVAL, approved, history) == (set() if ok else {"occurred_on"})


def test_steps_follow_their_order_and_numbered_steps_are_recorded_once():
    history = done_before(Step.OATH, D(2025, 1, 1))
    del history[Step.PLACEMENT]
    assert check(Step.OATH, D(2025, 1, 2), history) == {"step"}
    history = done_before(Step.PLACEMENT, D(2025, 1, 1))
    assert check(
        Step.ADMISSION_VOTE, D(2025, 1, 2), history, full_members=FULL, votes_present=2, votes_in_favour=2
    ) == {"step"}
    # Reviews repeat.
    history = done_before(Step.CANDIDATE_SELECTION, D(2025, 1, 1))
    assert check(Step.ACTIVIST_REVIEW, D(2025, 7, 1), history) == set()


def test_no_step_dated_after_today():
    history = done_before(Step.OATH, D(2026, 11, 1))
    assert check(Step.OATH, TODAY, history) == set()
    assert check(Step.OATH, TODAY + dt.timedelta(days=1), history) == {"occurred_on"}


def test_nothing_after_conversion_but_archiving():
    history = done_before(Step.ARCHIVING, D(2025, 9, 1))
    assert check(Step.PROBATION_EXTENSION, D(2025, 9, 2), history, extension_months=6, reason="x") == {"step"}
    assert check(Step.ARCHIVING, D(2025, 9, 2), history) == set()


def test_stage_follows_the_steps():
    assert rules.stage_after({}) == Stage.APPLICANT
    assert rules.stage_after(done_before(Step.ACTIVIST_FILING, D(2025, 1, 1))) == Stage.ACTIVIST
    assert rules.stage_after(done_before(Step.CANDIDATE_FILING, D(2025, 1, 1))) == Stage.CANDIDATE
    assert rules.stage_after(done_before(Step.SUPERIOR_TALK, D(2025, 1, 1))) == Stage.PROBATIONARY
    assert rules.stage_after(done_before(Step.ARCHIVING, D(2025, 1, 1))) == Stage.FULL


def test_next_step_and_by_when():
    applied = {Step.APPLICATION: [D(2025, 1, 31)], Step.APPLICATION_FILING: [D(2025, 2, 3)]}
    upcoming = next_steps(applied)
    assert [(n.step, n.deadline) for n in upcoming] == [
        (Step.APPLICATION_TALK, D(2025, 2, 28)),
        (Step.APPLICATION_FILING_REVIEW, D(2025, 3, 3)),
    ]
    activist = done_before(
        Step.CANDIDATE_SELECTION, D(2024, 3, 15), **{Step.ACTIVIST_REVIEW: [D(2024, 9, 1)]}
    )
    upcoming = next_steps(activist)
    assert (upcoming[0].step, upcoming[0].earliest, upcoming[0].deadline) == (
        Step.CANDIDATE_SELECTION,
        D(2025, 3, 15),
        None,
    )
    assert (upcoming[1].step, upcoming[1].deadline) == (Step.ACTIVIST_REVIEW, D(2025, 3, 1))
    voted = done_before(Step.ADMISSION_APPROVAL, D(2024, 11, 30))
    assert next_steps(voted)[0].deadline == D(2025, 2, 28)
    probation = done_before(Step.CONVERSION_VOTE, D(2024, 2, 29))
    assert next_steps(probation)[0].earliest == D(2025, 2, 28)
    assert next_steps(probation, extension_months=6)[0].earliest == D(2025, 8, 29)
    assert next_steps(done_before(Step.ARCHIVING, D(2025, 1, 1)) | {Step.ARCHIVING: [D(2025, 2, 1)]}) == []


def test_every_step_has_a_source_and_there_are_25_numbered_steps():
    assert len(rules.REQUIRED_STEPS) == 25
    assert all(spec.source for spec in rules.SPECS.values())
