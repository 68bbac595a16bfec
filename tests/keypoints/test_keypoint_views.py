"""Logging and editing key points on the project page, htmx and plain; next steps; who may do it."""

import uuid

import pytest
from django.urls import reverse

from keypoints import services
from keypoints.models import KeyPoint, NextStepStatus
from tests.factories import ContactFactory, KeyPointFactory, ProjectMemberFactory

from .test_stage_forms import FULL_ELEMENTS, common_data

pytestmark = pytest.mark.django_db


def create_url(project):
    return reverse("projects:keypoint_create", args=[project.pk])


def test_rep_logs_a_key_point_with_its_participants(client_for, rep, project):
    contact = project.customer.contacts.get()
    response = client_for(rep).post(create_url(project), common_data(project, rep, contact, **FULL_ELEMENTS[1]))
    keypoint = KeyPoint.objects.get()
    page = reverse("projects:detail", args=[project.pk])
    assert response["Location"] == f"{page}?logged={keypoint.pk}#kp-{keypoint.pk}"
    assert keypoint.author == rep and keypoint.lead_rating == "A"
    assert list(keypoint.our_participants.all()) == [rep]
    assert list(keypoint.customer_participants.all()) == [contact]


def recorded_participants(row):
    """The participants a history row holds: (our people, the customer's contacts)."""
    return (
        {link.user_id for link in row.our_participants.all()},
        {link.contact_id for link in row.customer_participants.all()},
    )


def test_logging_a_key_point_records_one_history_row_holding_its_participants(client_for, rep, project):
    contact = project.customer.contacts.get()
    client_for(rep).post(create_url(project), common_data(project, rep, contact, **FULL_ELEMENTS[1]))
    keypoint = KeyPoint.objects.get()
    row = keypoint.history.get()
    assert (row.history_type, row.history_user, row.summary) == ("+", rep, keypoint.summary)
    assert recorded_participants(row) == ({rep.pk}, {contact.pk})


def test_an_edit_that_changes_the_participants_records_one_row_holding_them(client_for, rep, other_rep, project):
    keypoint = KeyPointFactory(project=project, author=rep)
    ProjectMemberFactory(project=project, user=other_rep)
    contact = project.customer.contacts.get()
    other_contact = ContactFactory(customer=project.customer)
    before = keypoint.history.count()
    data = {
        **common_data(project, rep, contact, summary="改过的记录", **FULL_ELEMENTS[1]),
        "our_participants": [rep.pk, other_rep.pk],
        "customer_participants": [other_contact.pk],
    }
    assert client_for(rep).post(reverse("keypoints:edit", args=[keypoint.pk]), data).status_code == 302
    assert keypoint.history.count() == before + 1
    row = keypoint.history.order_by("-history_id").first()
    assert (row.history_type, row.history_user, row.summary) == ("~", rep, "改过的记录")
    assert recorded_participants(row) == ({rep.pk, other_rep.pk}, {other_contact.pk})


def test_the_stage_defaults_to_the_projects_current_stage(client_for, rep, project):
    project.stage = 3
    project.save()
    form = client_for(rep).get(reverse("projects:detail", args=[project.pk]), {"log": "1"}).context["form"]
    assert form["stage"].value() == 3
    assert form.stage_def.number == 3


def test_double_submit_logs_one_record(client_for, rep, project):
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, client_token=str(uuid.uuid4()))
    client = client_for(rep)
    first, second = client.post(create_url(project), data), client.post(create_url(project), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert KeyPoint.objects.count() == 1


def test_a_token_used_on_another_project_is_refused_keeping_the_input(client_for, rep, project, other_project):
    token = uuid.uuid4()
    elsewhere = KeyPointFactory(project=other_project, client_token=token, summary="乙方项目的记录")
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, client_token=str(token), summary="甲方现场调研")
    client = client_for(rep)
    response = client.post(create_url(project), data)
    assert response.status_code == 400
    assert not project.keypoints.exists()
    form = response.context["form"]
    assert form["summary"].value() == "甲方现场调研"
    assert "另一个项目" in " ".join(form.non_field_errors())
    html = response.content.decode()
    assert "另一个项目" in html
    assert elsewhere.summary not in html and other_project.name not in html
    fresh = form["client_token"].value()
    assert fresh and uuid.UUID(fresh) != token
    # Saving the form as it came back logs the record once, even sent twice.
    data["client_token"] = fresh
    first, second = client.post(create_url(project), data), client.post(create_url(project), data)
    assert first.status_code == second.status_code == 302
    assert list(project.keypoints.values_list("summary", flat=True)) == ["甲方现场调研"]
    assert KeyPoint.objects.get(pk=elsewhere.pk).project == other_project


def test_a_token_taken_on_another_project_meanwhile_is_refused_not_a_500(
    client_for, rep, project, other_project, monkeypatch
):
    """The race: the check before saving saw no record with this token; the save then collides."""
    from keypoints import views

    token = uuid.uuid4()
    KeyPointFactory(project=other_project, client_token=token)
    real_lookup = views._existing_for_token
    calls = []

    def first_lookup_misses(value):
        calls.append(value)
        return None if len(calls) == 1 else real_lookup(value)

    monkeypatch.setattr(views, "_existing_for_token", first_lookup_misses)
    contact = project.customer.contacts.get()
    response = client_for(rep).post(create_url(project), common_data(project, rep, contact, client_token=str(token)))
    assert response.status_code == 400
    assert len(calls) == 2
    assert not project.keypoints.exists()


def test_switching_stage_without_javascript_shows_that_stages_elements_and_saves_nothing(client_for, rep, project):
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, stage=4, switch_stage="1", summary="还没写完")
    response = client_for(rep).post(create_url(project), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.stage_def.number == 4 and "price_before" in form.fields
    assert form["summary"].value() == "还没写完"
    assert not KeyPoint.objects.exists()


def test_htmx_stage_switch_returns_only_that_stages_elements(client_for, rep, project):
    response = client_for(rep).get(
        reverse("projects:stage_fields", args=[project.pk]), {"stage": "5"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="contract_number"' in html and 'name="lead_rating"' not in html
    assert "<html" not in html and 'data-testid="stage-guidance"' in html


def test_project_page_stage_select_is_wired_to_htmx(client_for, rep, project):
    html = client_for(rep).get(reverse("projects:detail", args=[project.pk]), {"log": "1"}).content.decode()
    assert f'hx-get="{reverse("projects:stage_fields", args=[project.pk])}"' in html
    assert 'name="switch_stage"' in html  # the same form works without JavaScript


def test_edit_in_place_with_htmx(client_for, rep, project):
    keypoint = KeyPointFactory(project=project, author=rep)
    client = client_for(rep)
    partial = client.get(reverse("keypoints:edit", args=[keypoint.pk]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, summary="改过的记录", **FULL_ELEMENTS[1])
    response = client.post(reverse("keypoints:edit", args=[keypoint.pk]), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"].endswith(f"#kp-{keypoint.pk}")
    keypoint.refresh_from_db()
    assert keypoint.summary == "改过的记录" and keypoint.is_complete


def test_edit_without_javascript_is_a_page_of_its_own(client_for, rep, project):
    keypoint = KeyPointFactory(project=project, author=rep)
    client = client_for(rep)
    assert "<html" in client.get(reverse("keypoints:edit", args=[keypoint.pk])).content.decode()
    contact = project.customer.contacts.get()
    response = client.post(reverse("keypoints:edit", args=[keypoint.pk]), common_data(project, rep, contact))
    assert response.status_code == 302


def test_bad_edit_is_400_and_keeps_the_saved_record(client_for, rep, project):
    keypoint = KeyPointFactory(project=project, author=rep, summary="原记录")
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, summary="")
    response = client_for(rep).post(reverse("keypoints:edit", args=[keypoint.pk]), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    keypoint.refresh_from_db()
    assert keypoint.summary == "原记录"


def test_next_step_done_toggle(client_for, rep, project):
    keypoint = KeyPointFactory(project=project, author=rep)
    client = client_for(rep)
    response = client.post(reverse("keypoints:next_step", args=[keypoint.pk]), {"done": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    keypoint.refresh_from_db()
    assert keypoint.next_step_status == NextStepStatus.DONE and keypoint.next_step_done_at
    client.post(reverse("keypoints:next_step", args=[keypoint.pk]), {"done": "0"})
    keypoint.refresh_from_db()
    assert keypoint.next_step_status == NextStepStatus.OPEN and keypoint.next_step_done_at is None


def test_ticking_a_next_step_changes_only_the_next_step(rep, project):
    # The copy ticked was read before someone else edited the record: their edit stays.
    keypoint = KeyPointFactory(project=project, author=rep, summary="原来的纪要")
    KeyPoint.objects.filter(pk=keypoint.pk).update(summary="同事改过的纪要")
    services.next_step_set_done(keypoint=keypoint, actor=rep, done=True)
    keypoint.refresh_from_db()
    assert (keypoint.summary, keypoint.next_step_status) == ("同事改过的纪要", NextStepStatus.DONE)


def test_open_next_steps_are_listed_on_the_project_page(client_for, rep, project):
    KeyPointFactory(project=project, author=rep, next_step="发送报价单")
    KeyPointFactory(project=project, author=rep, next_step="已完成的事", next_step_status=NextStepStatus.DONE)
    response = client_for(rep).get(reverse("projects:detail", args=[project.pk]))
    assert [kp.next_step for kp in response.context["next_steps"]] == ["发送报价单"]


def test_team_member_logs_on_a_colleagues_project(client_for, other_rep, project):
    ProjectMemberFactory(project=project, user=other_rep)
    contact = project.customer.contacts.get()
    response = client_for(other_rep).post(create_url(project), common_data(project, other_rep, contact))
    assert response.status_code == 302
    assert KeyPoint.objects.get().author == other_rep


WRITE_REQUESTS = [
    ("create", lambda kp: create_url(kp.project)),
    ("edit", lambda kp: reverse("keypoints:edit", args=[kp.pk])),
    ("next_step", lambda kp: reverse("keypoints:next_step", args=[kp.pk])),
]


@pytest.mark.parametrize(("name", "url"), WRITE_REQUESTS)
def test_rep_cannot_write_on_another_reps_project(client_for, rep, other_project, name, url):
    keypoint = KeyPointFactory(project=other_project, summary="原记录")
    data = common_data(other_project, rep, other_project.customer.contacts.get(), summary="被改", done="1")
    assert client_for(rep).post(url(keypoint), data).status_code == 404
    keypoint.refresh_from_db()
    assert keypoint.summary == "原记录" and keypoint.next_step_status == "open"
    assert KeyPoint.objects.count() == 1


@pytest.mark.parametrize(("name", "url"), WRITE_REQUESTS)
def test_manager_writes_are_refused(client_for, manager, project, name, url):
    keypoint = KeyPointFactory(project=project, summary="原记录")
    data = common_data(project, manager, project.customer.contacts.get(), summary="被改", done="1")
    assert client_for(manager).post(url(keypoint), data).status_code == 403
    keypoint.refresh_from_db()
    assert keypoint.summary == "原记录" and keypoint.next_step_status == "open"
    assert KeyPoint.objects.count() == 1


def test_manager_reads_the_project_page_without_any_edit_control(client_for, manager, project):
    KeyPointFactory(project=project)
    response = client_for(manager).get(reverse("projects:detail", args=[project.pk]))
    html = response.content.decode()
    main = html.split("<main")[1].split("</main>")[0]
    assert response.status_code == 200 and response.context["form"] is None
    assert "<form" not in main and "/edit/" not in main and "/stage/" not in main


@pytest.mark.parametrize("role", ["admin", "lead", "manager"])
def test_everyone_but_reps_reads_any_project_page(client_for, users, other_project, role):
    KeyPointFactory(project=other_project)
    assert client_for(users[role]).get(reverse("projects:detail", args=[other_project.pk])).status_code == 200


def test_rep_reading_another_reps_key_point_gets_404(client_for, rep, other_project):
    keypoint = KeyPointFactory(project=other_project)
    assert client_for(rep).get(reverse("keypoints:edit", args=[keypoint.pk])).status_code == 404
    assert client_for(rep).get(reverse("projects:stage_fields", args=[other_project.pk])).status_code == 404


def test_project_page_queries_stay_constant_as_key_points_grow(client_for, rep, project, django_assert_max_num_queries):
    client = client_for(rep)
    ContactFactory.create_batch(2, customer=project.customer)
    KeyPointFactory(project=project, stage=1)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("projects:detail", args=[project.pk]))
    for stage in (1, 2, 3, 4, 4, 6, 7) * 3:
        KeyPointFactory(project=project, stage=stage)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("projects:detail", args=[project.pk]))
    assert len(response.context["timeline"].object_list) == 20  # the newest page; older ones load on demand


def test_stage_fields_for_a_key_point_of_another_project_is_404(client_for, lead, project, other_project):
    keypoint = KeyPointFactory(project=other_project)
    url = reverse("projects:stage_fields", args=[project.pk])
    assert client_for(lead).get(url, {"stage": "2", "keypoint": keypoint.pk}).status_code == 404


def test_a_long_obstacle_is_saved_and_counted_by_its_first_characters(client_for, rep, lead, project):
    # 3,000 characters that do not compress: a whole obstacle would not fit an entry of the obstacles' index.
    obstacle = "".join(chr(0x4E00 + (n * 7919) % 20000) for n in range(3000))
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, **FULL_ELEMENTS[1])
    response = client_for(rep).post(create_url(project), {**data, "obstacles": obstacle})
    assert response.status_code == 302
    keypoint = KeyPoint.objects.get()
    assert keypoint.obstacles == obstacle and keypoint.named_obstacle == obstacle[:200]
    # The dashboard counts it, and its link lists it in the ledger.
    dashboard = client_for(lead).get(reverse("dashboard"), {"period": "this_year"})
    (row,) = dashboard.context["obstacles"]["rows"]
    assert (row["obstacle"], row["count"]) == (obstacle[:200], 1)
    ledger = client_for(lead).get(row["link"])
    assert [k.pk for k in ledger.context["page"].object_list] == [keypoint.pk]
