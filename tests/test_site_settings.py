"""The site's own details (issue 28): site.yml in the data folder, beside notices/ — 主办单位 and its
contact, 网站标识码, ICP备案号, 公安备案号, the 12388 纪检监察举报 line. Optional; schema-checked like
every data file (Chinese messages naming file, line and field; a build refuses it); only an admin
may change it; every footer shows what it sets, as text (no link to another host), escaped, and
nothing of what it does not set — except the 12388 line, shown by default."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from disclosure.access import Owners, path_refusals
from disclosure.errors import DataErrors
from disclosure.layout import DATA, SITE
from disclosure.site.settings_file import footer_settings
from disclosure.validate import load_dataset
from disclosure.yamlio import field_name
from helpers import SAMPLE_PORTAL

CJK = re.compile(r"[\u4e00-\u9fff]")
SAMPLE_SITE = SAMPLE_PORTAL / SITE  # examples/sample-portal/site.yml: fictional, every field set


def data_with_site(tmp_path: Path, text: str | None) -> Path:
    """The fictional sample data folder with site.yml holding text (None: no site.yml)."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE_PORTAL, data)
    (data / SITE).unlink()
    if text is not None:
        (data / SITE).write_text(text, "utf-8")
    return data


def errors_of(tmp_path: Path, text: str) -> list:
    with pytest.raises(DataErrors) as caught:
        load_dataset(data_with_site(tmp_path, text))
    return caught.value.errors


# ---- the file ----------------------------------------------------------------------------------------

def test_the_sample_site_yml_is_valid_and_fictional():
    text = SAMPLE_SITE.read_text("utf-8")
    assert "虚构" in text and "示例县" in text
    site = load_dataset(SAMPLE_PORTAL).site
    assert set(site) == {"operator", "contact", "site_code", "icp_record", "police_record", "report"}


def test_without_site_yml_nothing_is_set_and_the_12388_line_is_the_default(tmp_path):
    dataset = load_dataset(data_with_site(tmp_path, None))
    assert dataset.site is None
    shown = footer_settings(dataset.site)
    assert not (shown["operator"] or shown["has_contact"] or shown["site_code"] or shown["icp_record"]
                or shown["police_record"])
    assert shown["report"] == {"phone": "12388", "tel": "tel:12388", "note": ""}


@pytest.mark.parametrize("text, line, field, words", [
    ("operator: 示例单位\nsite_code: \"12345\"\n", 2, ("site_code",), ("网站标识码", "10 位")),
    ("operator: 示例单位\nicp_record: 京ICP 12345678\n", 2, ("icp_record",), ("ICP备", "格式不对")),
    ("police_record: 公安备案12345\n", 1, ("police_record",), ("公网安备", "格式不对")),
    ("operator: 示例单位\ncontact:\n  phone: 0000-1\n  fax: 0000-2\n", 4, ("contact", "fax"), ("未知字段", "fax")),
    ("operator: 示例单位\nreport:\n  phone: 12388\n", 3, ("report", "phone"), ("应为文字", "双引号")),
    ("operater: 示例单位\n", 1, ("operater",), ("未知字段", "拼写")),
    ("operator: \"\"\n", 1, ("operator",), ("不能为空",)),
])
def test_schema_errors_name_file_line_and_field_in_chinese(tmp_path, text, line, field, words):
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1, errors
    error = errors[0]
    assert (error.file, error.line, error.field) == (f"{DATA}/{SITE}", line, field_name(field)), error
    message = str(error)
    assert message.startswith(f"{DATA}/{SITE}:{line}:") and CJK.search(error.message), message
    for word in words:
        assert word in message, message


def test_a_broken_file_is_reported_like_any_data_file(tmp_path):
    errors = errors_of(tmp_path / "tab", "operator: 示例单位\n\tcontact: x\n")
    assert errors and all(e.file == f"{DATA}/{SITE}" and CJK.search(e.message) for e in errors), errors
    assert errors_of(tmp_path / "list", "- 不是一组字段\n")[0].message.startswith("文件内容应是一组")


def test_the_build_refuses_a_bad_site_yml_in_chinese_and_writes_nothing(tmp_path, build_site):
    data = data_with_site(tmp_path, "operator: 示例单位\nsite_code: 太短\n")
    result = build_site(tmp_path / "site", data_dir=data)
    assert result.returncode != 0
    assert f"{DATA}/{SITE}:2:" in result.stderr and "site_code" in result.stderr and "网站标识码" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site" / "index.html").exists()


def test_only_an_admin_may_change_site_yml():
    owners = Owners.parse({"admins": ["admin"], "accounts": {"staff": ["shixian-*"]}})
    refused = path_refusals("staff", owners, [f"{DATA}/{SITE}"])
    assert len(refused) == 1 and "管理员" in refused[0].message
    assert path_refusals("admin", owners, [f"{DATA}/{SITE}"]) == []


# ---- the footer ----------------------------------------------------------------------------------------

def footer(html: str) -> str:
    return html.split("<footer", 1)[1].split("</footer>", 1)[0]


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory, build_site) -> Path:
    """The fictional sample portal as it is: one notice and site.yml with every field set."""
    out = tmp_path_factory.mktemp("sample") / "site"
    result = build_site(out, data_dir=SAMPLE_PORTAL)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_every_footer_shows_the_operator_and_the_filings_as_text_when_set(sample_site):
    pages = sorted(sample_site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        part = footer(path.read_text("utf-8"))
        info = re.search(r"<p class=\"dsc-footer__site\" data-site-info>(.*?)</p>", part, re.S)
        assert info, path
        text = re.sub(r"<[^>]+>", "", info[1])
        for shown in ("主办单位：中共示例县委巡察工作领导小组办公室", "网站标识码：0000000000", "示ICP备00000000号",
                      "示公网安备 00000000000000号"):
            assert shown in text, (path, text)
        assert "<a " not in info[1]  # the filings are text: the site links to no other host
        report = re.search(r"data-report-line>(.*?)</p>", part, re.S)[1]
        assert 'href="tel:12388"' in report and "中央纪委国家监委举报网站 www.12388.gov.cn" in report
        assert "www.12388.gov.cn" not in re.sub(r"<span data-report-note>[^<]*</span>", "", report)  # text only


def test_no_footer_shows_a_filing_that_is_not_set_but_every_one_shows_12388(built_site):
    for path in [built_site / "index.html", built_site / "jinpu-2019" / "items" / "5-2" / "index.html",
                 built_site / "contact" / "index.html", built_site / "accessibility" / "index.html"]:
        part = footer(path.read_text("utf-8"))
        assert "data-site-info" not in part and "主办单位" not in part and "网站标识码" not in part, path
        assert "ICP" not in part and "公网安备" not in part, path
        assert re.search(r'纪检监察举报电话：<a href="tel:12388"[^>]*>12388</a>', part), path


def test_only_some_fields_set_shows_only_those(tmp_path, build_site):
    data = data_with_site(tmp_path, "icp_record: 示ICP备00000000号-2\n")
    result = build_site(tmp_path / "site", data_dir=data)
    assert result.returncode == 0, result.stderr[-3000:]
    part = footer((tmp_path / "site" / "index.html").read_text("utf-8"))
    info = re.search(r"data-site-info>(.*?)</p>", part, re.S)[1]
    assert re.sub(r"<[^>]+>", "", info).strip() == "示ICP备00000000号-2"
    assert 'data-footer-contact="directory"' in part  # no operator contact: the portal page links to 联系方式


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>{{ 7*7 }}"


def test_site_yml_text_reaches_every_footer_as_typed(tmp_path, build_site):
    text = (f"operator: \"〔主办〕{HOSTILE}\"\ncontact:\n  phone: \"0000-1 {HOSTILE}\"\n  address: \"〔地址〕{HOSTILE}\"\n"
            f"  email: \"〔邮箱〕{HOSTILE}\"\nreport:\n  phone: \"〔举报〕{HOSTILE}\"\n  note: \"〔说明〕{HOSTILE}\"\n")
    data = data_with_site(tmp_path, text)
    result = build_site(tmp_path / "site", data_dir=data)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("index.html", "contact/index.html", "shixian-xuncha-2024/index.html"):
        html = (tmp_path / "site" / name).read_text("utf-8")
        part = footer(html)
        assert "<script>alert" not in html and "<img src=x" not in html, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in part and "{{ 7*7 }}" in part, name
        assert "〔主办〕" in part and "〔举报〕" in part and "〔说明〕" in part, name
    home = footer((tmp_path / "site" / "index.html").read_text("utf-8"))
    assert "〔地址〕" in home and "〔邮箱〕" in home  # the operator's contact on the portal's pages
