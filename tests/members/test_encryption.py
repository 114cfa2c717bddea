"""ID and phone numbers at rest: encrypted in the database, found again by keyed digest, and
re-keyed by `rotate-keys`."""

import base64
import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from dangjian.core import crypto
from dangjian.core.keyrotation import rotate_keys, rows_on_old_keys_count
from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import make_member, new_id_number
from dangjian.members.choices import Category
from dangjian.members.models import Member, id_number_q
from dangjian.members.selectors import member_by_id_number, members_by_id_number, visible_members
from dangjian.members.services import member_update
from dangjian.recruitment.choices import CandidateStatus
from dangjian.recruitment.models import Candidate
from dangjian.recruitment.services import candidate_create

PHONE = "13912345678"


def key(byte: int, key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(bytes([byte]) * 32).decode()}"


K1, K2, H1, H2 = key(1, "k1"), key(2, "k2"), key(11, "h1"), key(12, "h2")


def stored_row(member: Member) -> tuple[str, str, str | None]:
    """What the database really holds, read past the model fields."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_number_hash FROM members_member WHERE id = %s", [member.pk]
        )
        return cursor.fetchone()


def unsaved_member(world, number: str, **fields) -> Member:
    return Member(
        organization=world.branch_a1,
        name=fields.pop("name", "批量"),
        sex="M",
        id_number=number,
        birth_date=dt.date(1980, 5, 17),
        category=Category.FULL,
        joined_on=dt.date(2005, 7, 1),
        converted_on=dt.date(2006, 7, 1),
        **fields,
    )


def new_candidate(world, number: str) -> Candidate:
    return candidate_create(
        actor=None,
        organization=world.branch_a1,
        name="孙小红",
        id_number=number,
        phone=PHONE,
        applied_on=timezone.localdate() - dt.timedelta(days=30),
    )


def test_database_holds_ciphertext_not_the_numbers(world):
    member = make_member(world.branch_a1, phone=PHONE)
    raw_id, raw_phone, raw_hash = stored_row(member)
    for raw in (raw_id, raw_phone, raw_hash):
        assert member.id_number not in raw and PHONE not in raw
        assert member.id_number[-6:] not in raw  # not even a fragment of the clear text
    assert raw_id.startswith("enc1:dev:") and raw_phone.startswith("enc1:dev:")
    assert raw_hash.startswith("dev$") and len(raw_hash) == len("dev$") + 64
    # A fresh nonce per write: two encryptions of one value differ.
    assert crypto.encrypt(PHONE, context="x") != crypto.encrypt(PHONE, context="x")


def test_round_trip_through_the_model(world):
    member = make_member(world.branch_a1, phone=PHONE)
    again = Member.objects.get(pk=member.pk)
    assert (again.id_number, again.phone) == (member.id_number, PHONE)
    assert list(Member.objects.filter(pk=member.pk).values_list("id_number", "phone")) == [
        (member.id_number, PHONE)
    ]
    blank = make_member(world.branch_a1, phone="")
    assert stored_row(blank)[1] == "" and Member.objects.get(pk=blank.pk).phone == ""


def test_ciphertext_is_bound_to_its_column(world):
    member = make_member(world.branch_a1, phone=PHONE)
    raw_id = stored_row(member)[0]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE members_member SET phone = %s WHERE id = %s", [raw_id, member.pk])
    with pytest.raises(crypto.DecryptionError, match=r"members\.member\.phone"):
        Member.objects.get(pk=member.pk)


def test_look_up_by_keyed_digest(world):
    zhang = world.members["zhang"]
    assert member_by_id_number(zhang.id_number) == zhang
    assert member_by_id_number(f" {zhang.id_number.lower()} ") == zhang
    assert member_by_id_number(new_id_number(dt.date(1999, 1, 1))) is None
    found = members_by_id_number([zhang.id_number, world.members["wang"].id_number], chunk=1)
    assert found == {zhang.id_number: zhang, world.members["wang"].id_number: world.members["wang"]}
    # With a restricted queryset the look-up stays inside the user's reach.
    zhao = world.members["zhao"]
    assert member_by_id_number(zhao.id_number, visible_members(world.users["township_a_admin"])) is None
    assert member_by_id_number(zhao.id_number, visible_members(world.users["township_b_admin"])) == zhao


def test_querying_the_encrypted_column_is_refused(world):
    zhang = world.members["zhang"]
    with pytest.raises(FieldError, match="id_number_hash"):
        Member.objects.filter(id_number=zhang.id_number).exists()
    with pytest.raises(FieldError, match="加密存储"):
        Member.objects.filter(phone__contains="139").exists()
    assert Member.objects.filter(phone__isnull=True).count() == 0


def test_member_search_finds_a_full_id_number_only(world):
    from dangjian.members.filters import search_q

    zhang = world.members["zhang"]
    assert list(Member.objects.filter(search_q(zhang.id_number))) == [zhang]
    assert not Member.objects.filter(search_q(zhang.id_number[-6:])).exists()


def test_uniqueness_is_a_database_constraint_on_the_digest(world):
    zhang = world.members["zhang"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.bulk_create([unsaved_member(world, zhang.id_number, name="重复")])
    with pytest.raises(ValidationError) as info:
        make_member(world.branch_a2, id_number=zhang.id_number)
    assert "该公民身份号码已存在" in info.value.message_dict["id_number"][0]
    assert "id_number_hash" not in info.value.message_dict


def test_bulk_create_and_bulk_update_fill_the_digest(world):
    numbers = [new_id_number(dt.date(1980, 5, 17)) for _ in range(3)]
    created = Member.objects.bulk_create([unsaved_member(world, n, phone=PHONE) for n in numbers])
    for member, number in zip(created, numbers, strict=True):
        raw_id, raw_phone, raw_hash = stored_row(member)
        assert raw_id.startswith("enc1:") and raw_phone.startswith("enc1:")
        assert raw_hash == crypto.digest(number, purpose="id_number")
        assert member_by_id_number(number).pk == member.pk
    replacement = new_id_number(dt.date(1980, 5, 17))
    created[0].id_number = replacement
    Member.objects.bulk_update(created[:1], ["id_number", "id_number_hash"])
    assert member_by_id_number(replacement).pk == created[0].pk
    assert member_by_id_number(numbers[0]) is None


def test_service_update_of_the_id_number_moves_the_digest(world):
    zhang = world.members["zhang"]
    old = zhang.id_number
    new = new_id_number(dt.date(1980, 5, 17))
    member_update(actor=None, member=zhang, id_number=new)
    assert member_by_id_number(new) == zhang and member_by_id_number(old) is None


def test_clear_text_length_still_validated(world):
    with pytest.raises(ValidationError) as info:
        make_member(world.branch_a1, phone="1" * 31)
    assert "phone" in info.value.message_dict


@override_settings(DANGJIAN_DATA_KEYS=K1, DANGJIAN_HASH_KEYS=H1)
def test_rotation_to_new_keys_then_old_keys_removed(db, world):
    members = [make_member(world.branch_a1, phone=PHONE, name=f"轮换{i}") for i in range(5)]
    numbers = [m.id_number for m in members]
    candidate = new_candidate(world, new_id_number(dt.date(1998, 4, 3), "F"))
    assert stored_row(members[0])[0].startswith("enc1:k1:")
    # Rows written before this test (the world) use the dev keys, which stay readable below.
    with override_settings(
        DANGJIAN_DATA_KEYS=f"{K2},{K1},{crypto.dev_key_entry('DANGJIAN_DATA_KEYS')}",
        DANGJIAN_HASH_KEYS=f"{H2},{H1},{crypto.dev_key_entry('DANGJIAN_HASH_KEYS')}",
    ):
        total = Member.objects.count()
        # Before the rotation, look-ups still find rows by their old digests.
        assert member_by_id_number(numbers[0]) == members[0]
        assert rows_on_old_keys_count()["members.Member"] == total
        result = rotate_keys(batch_size=2)
        assert (result.rewritten["members.Member"], result.data_key, result.hash_key) == (total, "k2", "h2")
        assert result.rewritten["recruitment.Candidate"] == 1
        assert set(rows_on_old_keys_count().values()) == {0}
        assert rotate_keys(batch_size=2).total == 0  # idempotent
    for member in members:
        raw_id, raw_phone, raw_hash = stored_row(member)
        assert (
            raw_id.startswith("enc1:k2:") and raw_phone.startswith("enc1:k2:") and raw_hash.startswith("h2$")
        )
    runs = AuditEvent.objects.filter(action="crypto.rotate_keys").order_by("pk")
    assert [run.after["rewritten"]["members.Member"] for run in runs] == [total, 0]
    # The old keys are gone from the environment; the data is still readable and findable.
    with override_settings(DANGJIAN_DATA_KEYS=K2, DANGJIAN_HASH_KEYS=H2):
        assert [Member.objects.get(pk=m.pk).id_number for m in members] == numbers
        assert Member.objects.get(pk=members[0].pk).phone == PHONE
        assert member_by_id_number(numbers[3]) == members[3]
        assert Candidate.objects.filter(id_number_q(candidate.id_number)).get().phone == PHONE


@override_settings(DANGJIAN_DATA_KEYS=K1, DANGJIAN_HASH_KEYS=H1)
def test_wrong_or_missing_key_gives_a_clear_error(db, world):
    member = make_member(world.branch_a1, phone=PHONE)
    with (
        override_settings(DANGJIAN_DATA_KEYS=key(9, "k1")),
        pytest.raises(crypto.DecryptionError, match="用密钥“k1”解密失败"),
    ):
        Member.objects.get(pk=member.pk)
    with (
        override_settings(DANGJIAN_DATA_KEYS=K2),
        pytest.raises(crypto.MissingKeyError, match=r"密钥“k1”未配置.*DANGJIAN_DATA_KEYS"),
    ):
        Member.objects.get(pk=member.pk)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "为空"),
        ("k1", "32 字节"),
        ("k1:bm90IGEga2V5", "32 字节"),
        ("k1:!!!", "32 字节"),
        ("bad id:" + base64.b64encode(b"x" * 32).decode(), "密钥编号"),
        (f"{K1},{key(3, 'k1')}", "重复"),
    ],
)
def test_badly_written_keys_are_refused(value, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.parse_keys("DANGJIAN_DATA_KEYS", value)


def test_rotate_keys_command(world, capsys):
    with override_settings(DANGJIAN_DATA_KEYS=f"{K2},{crypto.dev_key_entry('DANGJIAN_DATA_KEYS')}"):
        with pytest.raises(SystemExit) as exit_info:
            call_command("rotate_keys", "--check")
        assert exit_info.value.code == 1
        call_command("rotate_keys", "--batch-size", "3")
        call_command("rotate_keys", "--check")
    out = capsys.readouterr().out
    assert (
        f"已用数据密钥“k2”、摘要密钥“dev”重写 {Member.objects.count()} 条记录（党员 {Member.objects.count()}"
        in out
    )
    assert "仍使用旧密钥的记录：0 条" in out
    call_command("rotate_keys", "--generate-key", "k3")
    entry = capsys.readouterr().out.strip()
    assert crypto.parse_keys("DANGJIAN_DATA_KEYS", entry).current_id == "k3"


def test_migration_encrypts_clear_rows_and_reverses(world):
    migration = importlib.import_module("dangjian.members.migrations.0002_encrypt_personal_data")
    zhang = world.members["zhang"]
    member_update(actor=None, member=zhang, phone=PHONE)
    # A row as it stood before the migration: clear text, no digest.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE members_member SET id_number = %s, phone = %s, id_number_hash = NULL WHERE id = %s",
            [zhang.id_number, PHONE, zhang.pk],
        )
    # The migration only uses the editor's connection (a real one cannot open inside a test's
    # transaction on SQLite).
    editor = SimpleNamespace(connection=connection)
    migration.encrypt_rows(global_apps, editor)
    migration.encrypt_rows(global_apps, editor)  # rows already encrypted are left alone
    raw_id, raw_phone, raw_hash = stored_row(zhang)
    assert raw_id.startswith("enc1:") and raw_phone.startswith("enc1:") and raw_hash
    assert member_by_id_number(zhang.id_number).phone == PHONE
    migration.decrypt_rows(global_apps, editor)
    assert stored_row(zhang) == (zhang.id_number, PHONE, None)


def test_candidates_are_encrypted_too_and_one_live_candidacy_per_person(world):
    number = new_id_number(dt.date(1998, 4, 3), "F")
    candidate = new_candidate(world, number)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_number_hash FROM recruitment_candidate WHERE id = %s", [candidate.pk]
        )
        raw_id, raw_phone, raw_hash = cursor.fetchone()
    assert raw_id.startswith("enc1:") and raw_phone.startswith("enc1:") and number not in raw_hash
    assert Candidate.objects.get(pk=candidate.pk).id_number == number
    twin = Candidate(
        organization=world.branch_a1,
        name="孙小红",
        id_number=number,
        sex="F",
        birth_date=dt.date(1998, 4, 3),
        status=CandidateStatus.ACTIVE,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.bulk_create([twin])
    with pytest.raises(ValidationError, match="此人已在发展党员程序中"):
        candidate_create(
            actor=None,
            organization=world.branch_a1,
            name="孙小红",
            id_number=number,
            applied_on=timezone.localdate(),
        )
