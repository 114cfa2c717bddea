"""Hostile uploads are refused before anything reads them as a table.

Three layers, cheapest first:

1. `RequestSizeLimitMiddleware` answers 413 from the request's Content-Length alone, before
   Django reads the body (the CSRF check would otherwise read it all to find its token).
2. `check_upload` looks at the file's first bytes and, for the zip-based formats (.xlsx,
   .xlsm, .ods), at its central directory: a file whose content is not what its name says
   (a program or a picture renamed .xlsx), a damaged file, or a zip bomb (a small file whose
   sheet XML inflates to hundreds of MB) gets a Chinese sentence and is never stored.
3. The readers themselves still catch whatever a damaged file makes calamine raise.

The limits are settings (README, "Settings"); the checks are called by the upload form and by
the import commands, ahead of the reading path in readers.py."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat

from .readers import ACCEPTED_EXTENSIONS, extension_of

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # the container of .xls files
# What a file that is not a spreadsheet usually is, to say so in the message.
KNOWN_OTHER_TYPES = (
    (b"MZ", "Windows 程序（.exe）"),
    (b"\x7fELF", "Linux 程序"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"%PDF", "PDF 文档"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
)
# A real sheet XML compresses 5 to 20 times; deflate cannot exceed about 1,030. Anything past
# this ratio on a sizeable entry is built to exhaust memory, not to carry a roster.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
SNIFF_BYTES = 8192


class UploadRejected(ValueError):
    """The upload is refused; the message, in Chinese, says why and what to do."""


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_BYTES


def max_uncompressed_bytes() -> int:
    return settings.IMPORT_MAX_UNCOMPRESSED_BYTES


def too_large_message(size: int) -> str:
    limit = max_upload_bytes()
    return f"文件太大（{filesizeformat(size)}），最大允许 {filesizeformat(limit)}；请拆分后分批导入"


def check_upload(
    stream: IO[bytes], filename: str, size: int | None = None, *, limit_size: bool = True
) -> None:
    """Raise UploadRejected unless the file may be handed to the table readers.

    Reads only the first bytes and the zip directory (plus a bounded, CRC-checked pass over the
    entries); leaves the stream at its start. `limit_size=False` is for the operator's console
    import, where a province-wide file may exceed what the browser upload accepts."""
    extension = extension_of(filename)
    if extension not in ACCEPTED_EXTENSIONS:
        raise UploadRejected(
            f"不支持“{extension or '无扩展名'}”格式的文件，请上传 .xlsx、.xls、.ods 或 .csv 文件"
        )
    if size is None:
        size = stream.seek(0, 2)
    if limit_size and size > max_upload_bytes():
        raise UploadRejected(too_large_message(size))
    if size == 0:
        raise UploadRejected("文件是空的")
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    try:
        if extension == ".csv":
            _check_csv(head)
        elif head.startswith(ZIP_MAGIC):
            _check_zip(stream, extension)
        elif head.startswith(OLE2_MAGIC):
            # .xls, or an old-format workbook saved under a newer name: calamine reads either.
            pass
        else:
            raise UploadRejected(_not_a_spreadsheet(head, extension))
    finally:
        stream.seek(0)


def _not_a_spreadsheet(head: bytes, extension: str) -> str:
    for magic, what in KNOWN_OTHER_TYPES:
        if head.startswith(magic):
            return f"文件内容是{what}，不是“{extension}”表格；请上传用 Excel 或 WPS 保存的表格文件"
    return f"文件内容不是“{extension}”格式的表格，可能已损坏或被改了扩展名；请用 Excel 或 WPS 另存后重试"


def _check_csv(head: bytes) -> None:
    # Text never holds a NUL byte (UTF-16 aside, which the CSV reader does not accept either).
    if b"\x00" in head:
        raise UploadRejected(_not_a_spreadsheet(head, ".csv").replace("表格", "文本表格"))


def _check_zip(stream: IO[bytes], extension: str) -> None:
    damaged = f"文件已损坏，无法作为“{extension}”表格读取；请用 Excel 或 WPS 打开后另存再导入"
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise UploadRejected(damaged) from error
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise UploadRejected(f"文件内部包含 {len(entries)} 个部件，不是正常的表格文件，已拒绝")
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names and "mimetype" not in names:
            raise UploadRejected(
                f"文件是一个普通压缩包，不是“{extension}”表格；请上传用 Excel 或 WPS 保存的表格文件"
            )
        _check_inflated_sizes(entries)
        _check_entries_inflate_as_declared(archive, entries, damaged)


def _bomb_message() -> str:
    return (
        f"文件解压后过大（超过 {filesizeformat(max_uncompressed_bytes())}）或压缩比异常，"
        "不像正常的表格文件，已拒绝；如确为大表，请拆分后分批导入"
    )


def _check_inflated_sizes(entries: list[zipfile.ZipInfo]) -> None:
    """The sizes the zip declares: refused before a single byte is inflated."""
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size >= RATIO_CHECK_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise UploadRejected(_bomb_message())
    if total > max_uncompressed_bytes():
        raise UploadRejected(_bomb_message())


def _check_entries_inflate_as_declared(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], damaged: str
) -> None:
    """A zip may lie about its sizes. zipfile stops each entry at its declared size and checks
    its CRC, so reading every entry through proves the declaration (now known to be small)
    honest, and finds a damaged file before the import does. Memory stays at one chunk."""
    chunk = 1024 * 1024
    try:
        for entry in entries:
            with archive.open(entry) as member:
                while member.read(chunk):
                    pass
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise UploadRejected(damaged) from error
    except RuntimeError as error:  # an encrypted entry
        raise UploadRejected("文件设置了密码，请取消密码后再导入") from error


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than any upload may be, from its Content-Length, before
    anything reads the body (so a 2 GB POST costs nothing but this comparison)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_REQUEST_BYTES:
            message = too_large_message(length)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            context = {"status": 413, "title": "文件太大", "message": message}
            return render(request, "error.html", context, status=413)
        return self.get_response(request)
