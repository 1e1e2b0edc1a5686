"""Static files: after collectstatic, pages link content-hashed names that WhiteNoise serves
gzipped and cached for a year; without collectstatic (tests, the browser tests' servers) pages
still work, linking the plain names served from the apps. Every page has a favicon and a meta
description."""

import gzip
import re

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command

pytestmark = pytest.mark.django_db

# The collection is of Hearth's own files only, to keep the test quick.
NOT_OURS = ["admin/*", "rest_framework/*", "drf_spectacular_sidecar/*", "django_extensions/*"]


def head_links(page: str) -> dict[str, str]:
    return {
        "css": re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1),
        "icon": re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml"', page).group(1),
        "zone": re.search(r'<script src="([^"]+zone[^"]*\.js)" defer>', page).group(1),
    }


def test_collected_files_are_hashed_compressed_and_cached_for_a_year(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=NOT_OURS)
    assert (tmp_path / "staticfiles.json").is_file()
    assert staticfiles_storage.__class__.__name__ == "StaticFilesStorage"

    page = client.get("/").content.decode()
    links = head_links(page)
    assert re.fullmatch(r"/static/frontend/hearth\.[0-9a-f]{12}\.css", links["css"])
    assert re.fullmatch(r"/static/frontend/favicon\.[0-9a-f]{12}\.svg", links["icon"])
    assert re.fullmatch(r"/static/frontend/zone\.[0-9a-f]{12}\.js", links["zone"])

    response = client.get(links["css"], HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    original = (settings.BASE_DIR / "frontend/static/frontend/hearth.css").read_bytes()
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 2

    response = client.get(links["icon"])
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


def test_without_collectstatic_pages_link_the_plain_names_and_they_are_served(
    client, settings, tmp_path
):
    settings.STATIC_ROOT = tmp_path / "never-collected"
    page = client.get("/")
    assert page.status_code == 200
    links = head_links(page.content.decode())
    assert links == {
        "css": "/static/frontend/hearth.css",
        "icon": "/static/frontend/favicon.svg",
        "zone": "/static/frontend/zone.js",
    }
    for url in links.values():
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("language", "words"), [("en", "find a support group"), ("es", "encuentre un grupo de apoyo")]
)
def test_every_page_has_a_description_in_its_language(client, language, words):
    client.cookies["django_language"] = language
    for url in ("/", "/accounts/login/", "/accounts/signup/", "/help/"):
        page = client.get(url).content.decode()
        description = re.search(r'<meta name="description" content="([^"]+)">', page)
        assert description and words in description.group(1), url
