"""Hostile files on the import page (and the import command): each is refused with a Chinese
sentence, nothing is stored or written, and nothing reaches the table readers or a 500 page."""

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import PASSWORD
from dangjian.io.models import ImportJob
from dangjian.io.uploads import UploadRejected, check_upload
from dangjian.members.models import Member
from tests.io import files
from tests.io.conftest import MEMBER_HEADERS, grid, member_row

MB = 1024 * 1024
SHEET_XML_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def valid_xlsx() -> bytes:
    return files.xlsx(grid([member_row()], MEMBER_HEADERS))


def zip_bomb_xlsx(inflated_mb: int = 400) -> bytes:
    """An .xlsx-shaped zip whose sheet XML inflates to `inflated_mb` MB of padding from well
    under 1 MB on disk (deflate packs repeated bytes about 1,000 to 1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_XML_HEAD)
            padding = b" " * MB
            for _ in range(inflated_mb):
                sheet.write(padding)
    return buffer.getvalue()


def lying_zip_xlsx() -> bytes:
    """A zip whose directory claims its sheet inflates to 1 KB while it really inflates to 20 MB:
    the declared sizes alone would let it through."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", SHEET_XML_HEAD + b" " * (20 * MB))
    data = bytearray(buffer.getvalue())
    # Rewrite "uncompressed size" in every local header (offset 22) and directory entry (24).
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        while start != -1:
            data[start + offset : start + offset + 4] = struct.pack("<I", 1024)
            start = data.find(signature, start + 4)
    return bytes(data)


def corrupt_xlsx() -> bytes:
    """A real .xlsx with bytes in the middle of its compressed data overwritten."""
    data = bytearray(valid_xlsx())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\x00" * 64
    return bytes(data)


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


HOSTILE = {
    "exe renamed .xlsx": ("roster.xlsx", b"MZ\x90\x00" + b"\x00" * 500, "Windows 程序"),
    "png renamed .xlsx": ("roster.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "PNG 图片"),
    "png renamed .xls": ("roster.xls", b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "PNG 图片"),
    "unknown bytes as .ods": ("roster.ods", b"\x01\x02garbage" * 50, "不是“.ods”格式的表格"),
    "program renamed .csv": ("roster.csv", b"MZ\x90\x00\x03\x00\x00\x00" * 50, "Windows 程序"),
    "plain zip renamed .xlsx": ("roster.xlsx", plain_zip(), "普通压缩包"),
    "truncated xlsx": ("roster.xlsx", valid_xlsx()[:700], "文件已损坏"),
    "corrupt xlsx": ("roster.xlsx", corrupt_xlsx(), "文件已损坏"),
    "lying zip sizes": ("roster.xlsx", lying_zip_xlsx(), "文件已损坏"),
    "empty file": ("roster.xlsx", b"", "文件是空的"),
}


@pytest.fixture
def township_client(world, client):
    assert client.login(username="township_a_admin", password=PASSWORD)
    return client


def post_upload(client, name: str, content: bytes):
    return client.post(reverse("io:import-members"), {"file": SimpleUploadedFile(name, content)})


def written() -> tuple[int, int, int]:
    return ImportJob.objects.count(), Member.objects.count(), AuditEvent.objects.count()


def assert_nothing_written(before: tuple[int, int, int]) -> None:
    assert written() == before


@pytest.mark.parametrize(("name", "content", "words"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_file_is_refused_on_the_import_page(township_client, name, content, words):
    before = written()
    response = post_upload(township_client, name, content)
    page = response.content.decode()
    assert response.status_code == 400
    assert words in page and "Traceback" not in page
    assert_nothing_written(before)


def test_zip_bomb_is_refused_from_its_directory_without_inflating(township_client, monkeypatch):
    bomb = zip_bomb_xlsx(400)
    assert len(bomb) < MB  # small on the wire, 400 MB once inflated
    inflated = []
    original_open = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile, "open", lambda self, *a, **k: inflated.append(a) or original_open(self, *a, **k)
    )
    before = written()
    response = post_upload(township_client, "roster.xlsx", bomb)
    assert response.status_code == 400
    assert "文件解压后过大" in response.content.decode()
    assert inflated == []  # refused on the declared sizes: not one entry was opened
    assert_nothing_written(before)


def test_a_moderately_compressed_bomb_is_caught_by_its_ratio(settings):
    # Under the total limit, but a 1,000:1 sheet is no roster.
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * MB
    with pytest.raises(UploadRejected, match="压缩比异常"):
        check_upload(io.BytesIO(zip_bomb_xlsx(30)), "roster.xlsx")


def test_oversized_request_is_refused_before_its_body_is_read(township_client, settings):
    """The default limit is 50 MB; a 60 MB request gets the Chinese 413 page and its body is
    never touched (reading it would raise here)."""
    assert settings.IMPORT_MAX_UPLOAD_BYTES == 50 * MB

    class UnreadableBody(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body of an oversized request was read")

        readline = read

    before = written()
    response = township_client.post(
        reverse("io:import-members"),
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(60 * MB),
        **{"wsgi.input": UnreadableBody()},
    )
    page = response.content.decode()
    assert response.status_code == 413
    assert "文件太大（60.0\xa0MB）" in page and "最大允许 50.0\xa0MB" in page
    assert_nothing_written(before)


def test_oversized_api_request_gets_the_sentence_as_json(world, client):
    assert client.login(username="township_a_admin", password=PASSWORD)
    before = written()
    response = client.post(
        "/api/members/", data=b"{}", content_type="application/json", CONTENT_LENGTH=str(60 * MB)
    )
    assert response.status_code == 413 and "文件太大" in response.json()["detail"]
    assert_nothing_written(before)


def test_file_over_the_configured_limit_is_refused_by_the_form(township_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 4096
    before = written()
    response = post_upload(township_client, "roster.xlsx", valid_xlsx() + b"\x00" * 8192)
    assert response.status_code == 400 and "文件太大" in response.content.decode()
    assert_nothing_written(before)


@pytest.mark.parametrize("builder", ["xlsx", "xls", "ods", "csv"])
def test_genuine_files_of_every_format_pass(builder):
    content = files.BUILDERS[f"book.{builder}"](grid([member_row()], MEMBER_HEADERS))
    stream = io.BytesIO(content)
    check_upload(stream, f"roster.{builder}")
    assert stream.tell() == 0  # the reader starts from the beginning


def test_a_genuine_upload_still_becomes_a_job(township_client):
    response = post_upload(township_client, "roster.xlsx", valid_xlsx())
    assert response.status_code == 302
    assert ImportJob.objects.get().report["valid"] == 1


def test_the_import_command_refuses_a_zip_bomb(world, tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb_xlsx(400))
    before = written()
    with pytest.raises(CommandError, match="文件解压后过大"):
        call_command("import_members", str(path), stdout=io.StringIO())
    assert_nothing_written(before)
