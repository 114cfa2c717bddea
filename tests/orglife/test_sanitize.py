import pytest

from dangjian.orglife.sanitize import clean_minutes


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        '<img src=x onerror="alert(1)">',
        '<svg onload="alert(1)"><circle r="1"/></svg>',
        '<p onmouseover="alert(1)">x</p>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        "<style>body{display:none}</style>",
        '<form action="https://evil.example"><input name="q"></form>',
        "<!--<script>alert(1)</script>-->",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ],
)
def test_nothing_executable_survives(dirty):
    clean = clean_minutes(dirty).lower()
    for needle in (
        "<script",
        "onerror",
        "onload",
        "onmouseover",
        "javascript:",
        "vbscript:",
        "data:",
        "<iframe",
        "<style",
        "style=",
        "<form",
        "<input",
        "<svg",
        "<img",
        "<math",
    ):
        assert needle not in clean, (dirty, clean)


def test_formatting_of_minutes_is_kept():
    html = (
        "<h3>会议议程</h3><p><strong>一、</strong>传达<em>文件</em>精神</p>"
        '<ol><li>张建国发言</li></ol><table><tbody><tr><td colspan="2">表决</td></tr></tbody></table>'
        '<p><a href="https://www.12371.cn/">共产党员网</a></p>'
    )
    clean = clean_minutes(html)
    assert "<h3>会议议程</h3>" in clean and "<strong>一、</strong>" in clean and "<em>文件</em>" in clean
    assert '<td colspan="2">表决</td>' in clean and "<ol><li>张建国发言</li></ol>" in clean
    assert 'href="https://www.12371.cn/"' in clean and 'rel="noopener noreferrer nofollow"' in clean


def test_script_content_is_dropped_not_shown_as_text():
    assert clean_minutes("<p>议程</p><script>alert('x')</script>") == "<p>议程</p>"


def test_empty_minutes():
    assert clean_minutes("") == "" and clean_minutes("   ") == ""
