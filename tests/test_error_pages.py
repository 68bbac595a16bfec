"""The 400, 403, CSRF failure, 404 and 500 pages: in the reader's language, with a way home, and telling
nothing of the failure — no traceback, no exception message, no URL patterns, no record outside the
reader's scope. The test client runs with DEBUG off, as production does."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.utils import translation
from django.views.defaults import server_error

from salesrecord import urls as app_urls

LANGUAGES = {"zh-hans": "zh-CN,zh;q=0.9", "en": "en-US,en;q=0.9"}
# What a page in each language says first, and its way home.
TITLES = {
    400: {"zh-hans": "请求无效", "en": "Bad request"},
    403: {"zh-hans": "无权操作", "en": "Not allowed"},
    "csrf": {"zh-hans": "表单已过期", "en": "The form has expired"},
    404: {"zh-hans": "未找到", "en": "Not found"},
    500: {"zh-hans": "服务出错了", "en": "Something went wrong"},
}
HOME = {"zh-hans": "返回首页", "en": "Back to the home page"}
# What Django's own pages or a debug page would show.
LEAKS = ["Traceback", "Exception", "URLconf", "CSRF verification failed", "Forbidden (403)", "DEBUG", "Request Method"]
SECRET = "db-password-hunter2"


def boom(request):
    raise RuntimeError(f"could not connect as salesrecord:{SECRET}@postgres")


def forbidden_with_a_message(request):
    raise PermissionDenied(f"owner is {SECRET}")


# The app's own URLs and two that fail, for the tests marked with pytest.mark.urls(__name__).
urlpatterns = [
    path("test-only/boom/", boom),
    path("test-only/forbidden/", forbidden_with_a_message),
    *app_urls.urlpatterns,
]


def assert_error_page(response, status, key, language):
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Language"] == language
    assert TITLES[key][language] in html
    assert HOME[language] in html
    for leak in [*LEAKS, SECRET]:
        assert leak not in html


@pytest.fixture(params=list(LANGUAGES))
def language(request):
    return request.param


@pytest.mark.django_db
def test_404_page_names_nothing_outside_the_readers_scope(client_for, rep, other_customer, language):
    response = client_for(rep).get(
        reverse("customers:detail", args=[other_customer.pk]), HTTP_ACCEPT_LANGUAGE=LANGUAGES[language]
    )
    assert_error_page(response, 404, 404, language)
    assert other_customer.legal_name not in response.content.decode()
    assert "matches the given query" not in response.content.decode()


@pytest.mark.django_db
def test_404_page_for_an_unknown_address_lists_no_urls(client_for, rep, language):
    response = client_for(rep).get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=LANGUAGES[language])
    assert_error_page(response, 404, 404, language)
    assert "customers/" not in response.content.decode().replace(reverse("customers:list"), "")


@pytest.mark.django_db
def test_403_page_for_a_managers_write(client_for, manager, language):
    response = client_for(manager).get(reverse("customers:create"), HTTP_ACCEPT_LANGUAGE=LANGUAGES[language])
    assert_error_page(response, 403, 403, language)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_403_page_never_shows_the_exceptions_message(client_for, rep, language):
    response = client_for(rep).get("/test-only/forbidden/", HTTP_ACCEPT_LANGUAGE=LANGUAGES[language])
    assert_error_page(response, 403, 403, language)


@pytest.mark.django_db
def test_csrf_failure_page_tells_what_to_do_and_not_why(rep, language):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    response = client.post(
        reverse("customers:create"), {"legal_name": "上海新客户有限公司"}, HTTP_ACCEPT_LANGUAGE=LANGUAGES[language]
    )
    assert_error_page(response, 403, "csrf", language)
    assert "cookie not set" not in response.content.decode().lower()


@pytest.mark.django_db
def test_400_page_for_too_many_fields(client_for, rep, language):
    query = "&".join(["x=1"] * (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client_for(rep).get(f"{reverse('customers:list')}?{query}", HTTP_ACCEPT_LANGUAGE=LANGUAGES[language])
    assert_error_page(response, 400, 400, language)


@pytest.mark.django_db
def test_400_page_for_an_unknown_host_is_shown_before_the_user_is_known(client, language):
    response = client.get("/", HTTP_HOST="evil.example.com", HTTP_ACCEPT_LANGUAGE=LANGUAGES[language])
    assert_error_page(response, 400, 400, language)
    assert "evil.example.com" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_500_page_shows_no_traceback_and_no_exception(client_for, rep, language):
    client = client_for(rep)
    client.raise_request_exception = False
    response = client.get("/test-only/boom/", HTTP_ACCEPT_LANGUAGE=LANGUAGES[language])
    assert_error_page(response, 500, 500, language)
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert rep.username not in html and "RuntimeError" not in html
    assert '<a href="/" class="btn btn-primary">' in html


def test_500_page_needs_neither_the_database_nor_the_request():
    """No database access is allowed here (no django_db mark): rendering one would fail the test."""
    for language, title in TITLES[500].items():
        with translation.override(language):
            response = server_error(RequestFactory().get("/"))
        assert response.status_code == 500
        html = response.content.decode()
        assert title in html and HOME[language] in html
        # Scripts need a nonce from the request's context: the page has none.
        assert "<script" not in html
