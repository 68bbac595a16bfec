"""The project page built around logging key points: the log button and its form, a confirmed advance,
the contract a refused advance asks for, the entry just saved, next steps in step, a paged timeline."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import LostReason, ProjectStatus
from keypoints import services
from keypoints.models import KeyPoint, NextStepStatus, StageHistory
from keypoints.stages import StageNumber, get_stage
from tests.factories import KeyPointFactory

from .test_stage_changes import seen
from .test_stage_forms import FULL_ELEMENTS, common_data

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def page(client, project, **params):
    return client.get(reverse("projects:detail", args=[project.pk]), params, **EN)


def html_of(response):
    return response.content.decode()


def tag(html, marker):
    """The opening tag that holds `marker` (an id or a data-testid)."""
    match = re.search(rf"<[a-z]+[^>]*{re.escape(marker)}[^>]*>", html)
    assert match, marker
    return match.group(0)


def advance_url(project):
    return reverse("projects:advance", args=[project.pk])


def at_stage(project, stage):
    project.stage = stage
    project.save()
    return project


def bulk_keypoints(project, author, count):
    """Many records at once, completeness filled in as the service would (bulk_create bypasses it)."""
    now = timezone.now()
    rows = []
    for index in range(count):
        stage = get_stage(1 + index % 4)
        missing = [stage.elements[0].key]
        rows.append(
            KeyPoint(
                project=project,
                stage=stage.number,
                occurred_at=now - timedelta(hours=index + 1),
                method="phone",
                summary=f"第 {index} 次电话沟通,客户确认了需求的范围与预算。" * 2,
                customer_feedback="客户希望先看演示。",
                obstacles="预算审批慢。",
                our_response="提供同行业案例。",
                next_step="回访",
                next_step_owner=author,
                next_step_due=timezone.localdate() + timedelta(days=index % 30),
                author=author,
                elements_filled=len(stage.elements) - 1,
                elements_total=len(stage.elements),
                missing_elements=missing,
                is_complete=False,
            )
        )
    KeyPoint.objects.bulk_create(rows)


# 1. Logging a key point is the page's main action ----------------------------------------------


def test_log_a_key_point_is_the_primary_action_ahead_of_the_timeline(client_for, rep, project):
    KeyPointFactory(project=project)
    html = html_of(page(client_for(rep), project))
    button = tag(html, 'data-testid="log-keypoint"')
    assert "btn-primary" in button and 'aria-controls="log-keypoint"' in button
    assert f'href="/projects/{project.pk}/?log=1#log-keypoint"' in button
    assert "btn-outline-primary" in tag(html, 'data-testid="advance"')
    # In the page's own content (the header's skip link is a button too, shown only on focus).
    content = html[html.index('id="main"') :]
    outside_the_form = content[: content.index('id="log-keypoint"')] + content[content.index('id="timeline"') :]
    assert outside_the_form.count("btn-primary") == 1  # the one filled primary button
    # The form waits, closed, until asked for: the page holds only where to load it from.
    assert re.search(r'<section[^>]*id="log-keypoint"[^>]*\bhidden\b', html)
    assert html.index('data-testid="log-keypoint"') < html.index('id="timeline"')
    assert 'name="summary"' not in html
    create_url = reverse("projects:keypoint_create", args=[project.pk])
    assert f'data-load="{create_url}"' in tag(html, 'data-testid="log-form-loading"')


def test_opening_the_panel_loads_the_form_at_the_projects_stage(
    client_for, rep, project, django_assert_max_num_queries
):
    at_stage(project, StageNumber.NEEDS)
    client = client_for(rep)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("projects:keypoint_create", args=[project.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = html_of(response)
    assert "<html" not in html and 'id="log-keypoint"' not in html
    assert response.context["form"]["stage"].value() == StageNumber.NEEDS
    assert 'name="decision_process"' in html and 'name="client_token"' in html
    assert f'action="{reverse("projects:keypoint_create", args=[project.pk])}"' in html
    # Each load brings a fresh token: two forms opened are two records.
    again = client.get(reverse("projects:keypoint_create", args=[project.pk]), HTTP_HX_REQUEST="true")
    assert again.context["form"]["client_token"].value() != response.context["form"]["client_token"].value()


def test_without_htmx_the_form_address_opens_the_page_with_the_form(client_for, rep, project):
    response = client_for(rep).get(reverse("projects:keypoint_create", args=[project.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/?log=1#log-keypoint"


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("other_rep", 404)])
def test_the_form_loads_only_for_those_who_may_log(client_for, users, other_rep, project, role, status):
    person = other_rep if role == "other_rep" else users[role]
    response = client_for(person).get(reverse("projects:keypoint_create", args=[project.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == status


def test_the_log_link_opens_the_form_with_the_projects_current_stage(client_for, rep, project):
    at_stage(project, StageNumber.NEEDS)
    response = page(client_for(rep), project, log="1")
    html = html_of(response)
    assert not re.search(r'<section[^>]*id="log-keypoint"[^>]*\bhidden\b', html)
    assert 'aria-expanded="true"' in tag(html, 'data-testid="log-keypoint"')
    assert response.context["form"]["stage"].value() == StageNumber.NEEDS
    assert 'name="decision_process"' in html


def test_the_log_link_may_choose_the_stage(client_for, rep, project):
    response = page(client_for(rep), project, log="1", stage="5")
    assert response.context["form"].stage_def.number == StageNumber.CONTRACT
    response = page(client_for(rep), project, log="1", stage="nonsense")
    assert response.context["form"].stage_def.number == project.stage


def test_a_form_with_errors_comes_back_open_and_keeps_the_input(client_for, rep, project):
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, stage=1, summary="")
    response = client_for(rep).post(reverse("projects:keypoint_create", args=[project.pk]), data, **EN)
    assert response.status_code == 400
    html = html_of(response)
    assert not re.search(r'<section[^>]*id="log-keypoint"[^>]*\bhidden\b', html)
    assert "data-scroll-into-view" in html
    assert "summary" in response.context["form"].errors
    assert not KeyPoint.objects.exists()


def test_a_manager_sees_no_log_button_and_no_form(client_for, manager, project):
    html = html_of(page(client_for(manager), project))
    assert 'data-testid="log-keypoint"' not in html and 'id="log-keypoint"' not in html
    assert 'data-testid="advance"' not in html


# 2. Advancing asks first, naming what the stage still lacks -------------------------------------


def test_the_advance_page_names_the_next_stage_and_what_this_stage_lacks(client_for, rep, project):
    at_stage(project, StageNumber.NEEDS)
    KeyPointFactory(project=project, stage=2, question_list="问题清单", explicit_pains="库存不准")
    KeyPointFactory(project=project, stage=2, question_list="问题清单")
    response = client_for(rep).get(advance_url(project), **EN)
    assert response.status_code == 200
    html = html_of(response)
    assert "Advance to Solution presentation?" in html
    assert "The project moves from Needs discovery to Solution presentation." in html
    gaps = html[html.index('data-testid="stage-gaps"') :]
    # Explicit pains is in one record, the question list in both: neither is lacking.
    assert "Implicit needs" in gaps and "Decision process" in gaps
    assert "Explicit pains" not in gaps[: gaps.index("</div>")]
    assert "Question list" not in gaps[: gaps.index("</div>")]
    assert 'name="confirm"' in html
    assert f'name="seen_stage" value="{StageNumber.NEEDS}"' in html
    project.refresh_from_db()
    assert project.stage == StageNumber.NEEDS


def test_the_advance_page_says_when_no_key_point_was_logged_in_the_stage(client_for, rep, project):
    KeyPointFactory(project=project, stage=1)  # an older stage's record does not count
    at_stage(project, StageNumber.NEEDS)
    html = html_of(client_for(rep).get(advance_url(project), **EN))
    assert "No key point logged in this stage yet." in html


def test_the_advance_page_says_when_every_element_is_recorded(client_for, rep, project):
    KeyPointFactory(project=project, stage=1, **FULL_ELEMENTS[1])
    html = html_of(client_for(rep).get(advance_url(project), **EN))
    assert "Every element of this stage is recorded." in html


def test_the_project_pages_advance_button_leads_to_the_confirmation_and_changes_nothing(client_for, rep, project):
    client = client_for(rep)
    response = client.post(advance_url(project), seen(project), **EN)
    assert response.status_code == 200
    assert response.templates[0].name == "keypoints/advance_confirm.html"
    html = html_of(response)
    # What the person saw travels through the confirmation.
    assert f'name="seen_stage" value="{project.stage}"' in html
    assert f'name="seen_status" value="{project.status}"' in html
    project.refresh_from_db()
    assert project.stage == StageNumber.LEAD
    assert not StageHistory.objects.filter(project=project).exists()


def test_confirming_advances_and_says_where_to(client_for, rep, project):
    client = client_for(rep)
    response = client.post(advance_url(project), seen(project, confirm="1"), follow=True, **EN)
    project.refresh_from_db()
    assert project.stage == StageNumber.NEEDS
    assert "Moved to Needs discovery." in html_of(response)


def test_a_stale_confirm_is_refused_naming_who_changed_the_project(client_for, rep, lead, project):
    shown = seen(project, confirm="1")
    services.project_advance_stage(project=project, actor=lead)
    response = client_for(rep).post(advance_url(project), shown, **EN)
    assert response.status_code == 409
    assert str(lead) in html_of(response) and "changed this project at" in html_of(response)
    project.refresh_from_db()
    assert project.stage == StageNumber.NEEDS


def test_a_stale_advance_button_does_not_offer_a_confirm(client_for, rep, lead, project):
    shown = seen(project)
    services.project_mark_lost(project=project, actor=lead, lost_reason=LostReason.objects.first())
    response = client_for(rep).post(advance_url(project), shown, **EN)
    assert response.status_code == 409
    html = html_of(response)
    assert str(lead) in html and "changed this project at" in html
    assert 'name="confirm"' not in html


def test_an_advance_page_without_what_was_seen_is_400(client_for, rep, project):
    response = client_for(rep).post(advance_url(project), {"confirm": "1", "seen_stage": "banana"}, **EN)
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.stage == StageNumber.LEAD


def test_the_advance_page_of_a_closed_project_explains_instead_of_offering_a_confirm(client_for, rep, lead, project):
    services.project_put_on_hold(
        project=project, actor=lead, reason="等预算", resume_on=timezone.localdate() + timedelta(days=9)
    )
    response = client_for(rep).get(advance_url(project), **EN)
    assert response.status_code == 200
    assert 'name="confirm"' not in html_of(response)
    assert "reopen it first" in html_of(response)


def test_the_advance_page_is_refused_to_a_manager_and_hidden_from_an_outsider(
    client_for, manager, rep, project, other_project
):
    assert client_for(manager).get(advance_url(project)).status_code == 403
    assert client_for(rep).get(advance_url(other_project)).status_code == 404


# 3. A refused advance for want of the contract opens the contract form --------------------------


def test_a_refused_advance_for_want_of_the_contract_opens_the_contract_form(client_for, rep, project):
    at_stage(project, StageNumber.NEGOTIATION)
    response = client_for(rep).post(advance_url(project), seen(project, confirm="1"), **EN)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.stage_def.number == StageNumber.CONTRACT
    assert not form.is_bound
    html = html_of(response)
    assert not re.search(r'<section[^>]*id="log-keypoint"[^>]*\bhidden\b', html)
    notice = html.index('data-testid="form-notice"')
    assert "Before entering contract signing" in html[notice : notice + 400]
    assert notice < html.index('id="keypoint-form-new"')  # the refusal sits above the form
    assert 'data-testid="required-legend"' in html
    for name in ("contract_number", "signed_amount", "signing_date"):
        field = tag(html, f'name="{name}"')
        assert " required" in field, name
        label = html[html.index(f'for="id_{name}"') :]
        assert '<span class="asteriskField">*</span>' in label[: label.index("</label>")]
    assert " required" not in tag(html, 'name="payment_schedule"')
    project.refresh_from_db()
    assert project.stage == StageNumber.NEGOTIATION


def test_the_first_contract_record_needs_its_number_amount_and_date(client_for, rep, project):
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, stage=5, payment_schedule="30/60/10")
    response = client_for(rep).post(reverse("projects:keypoint_create", args=[project.pk]), data, **EN)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"contract_number", "signed_amount", "signing_date"}
    assert not KeyPoint.objects.exists()


def test_a_later_contract_record_need_not_repeat_the_contract(client_for, rep, project):
    contact = project.customer.contacts.get()
    client = client_for(rep)
    create = reverse("projects:keypoint_create", args=[project.pk])
    client.post(create, common_data(project, rep, contact, stage=5, **FULL_ELEMENTS[5]))
    project.refresh_from_db()
    assert project.is_signed
    response = client.post(create, common_data(project, rep, contact, stage=5, risks="付款节点偏晚"))
    assert response.status_code == 302
    assert KeyPoint.objects.count() == 2


def test_logging_the_contract_lets_the_advance_through(client_for, rep, project):
    at_stage(project, StageNumber.NEGOTIATION)
    client = client_for(rep)
    assert client.post(advance_url(project), seen(project, confirm="1")).status_code == 400
    contact = project.customer.contacts.get()
    data = common_data(project, rep, contact, stage=5, **FULL_ELEMENTS[5])
    assert client.post(reverse("projects:keypoint_create", args=[project.pk]), data).status_code == 302
    confirmation = client.get(advance_url(project), **EN)
    assert "Contract signing needs the contract on record" not in html_of(confirmation)
    response = client.post(advance_url(project), seen(project, confirm="1"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == StageNumber.CONTRACT


def test_the_confirmation_warns_ahead_of_contract_signing_and_links_to_its_form(client_for, rep, project):
    at_stage(project, StageNumber.NEGOTIATION)
    html = html_of(client_for(rep).get(advance_url(project), **EN))
    assert "Contract signing needs the contract on record" in html
    assert f"/projects/{project.pk}/?log=1&amp;stage=5#log-keypoint" in html


# 4. The entry just saved is in view, marked, with its confirmation ------------------------------


def test_after_logging_the_new_entry_is_marked_with_its_confirmation(client_for, rep, project):
    KeyPointFactory.create_batch(4, project=project)
    contact = project.customer.contacts.get()
    client = client_for(rep)
    response = client.post(
        reverse("projects:keypoint_create", args=[project.pk]), common_data(project, rep, contact, stage=1)
    )
    keypoint = KeyPoint.objects.latest("pk")
    assert response["Location"] == f"/projects/{project.pk}/?logged={keypoint.pk}#kp-{keypoint.pk}"
    html = html_of(client.get(response["Location"], **EN))
    article = tag(html, f'id="kp-{keypoint.pk}"')
    assert "kp-saved" in article and f'aria-describedby="kp-{keypoint.pk}-saved"' in article
    entry = html[html.index(f'id="kp-{keypoint.pk}"') :]
    assert 'role="status"' in entry[:600] and "Key point logged." in entry[:600]
    assert html.count("kp-saved ") + html.count('kp-saved"') == 1
    assert 'class="alert alert-success' not in html[: html.index(f'id="kp-{keypoint.pk}"')]


def test_an_old_entry_just_edited_is_shown_on_its_page_opened(client_for, rep, project):
    bulk_keypoints(project, rep, 45)
    oldest = KeyPoint.objects.filter(project=project, stage=1).order_by("occurred_at").first()
    contact = project.customer.contacts.get()
    client = client_for(rep)
    data = common_data(project, rep, contact, stage=1, summary="补记:客户更正了预算。")
    data["occurred_at"] = timezone.localtime(oldest.occurred_at).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("keypoints:edit", args=[oldest.pk]), data)
    assert response["Location"] == f"/projects/{project.pk}/?saved={oldest.pk}#kp-{oldest.pk}"
    response = client.get(response["Location"], **EN)
    timeline = response.context["timeline"]
    assert timeline.number == 3 and oldest in timeline.object_list
    assert next(kp for kp in timeline.object_list if kp == oldest).opened
    html = html_of(response)
    assert "Key point saved." in html
    assert re.search(rf'id="kp-{oldest.pk}".*?<details class="kp-details" open>', html, re.S)


def test_an_htmx_edit_save_sends_the_browser_to_the_marked_entry(client_for, rep, project):
    keypoint = KeyPointFactory(project=project)
    contact = project.customer.contacts.get()
    response = client_for(rep).post(
        reverse("keypoints:edit", args=[keypoint.pk]),
        common_data(project, rep, contact, stage=1),
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == f"/projects/{project.pk}/?saved={keypoint.pk}#kp-{keypoint.pk}"


@pytest.mark.parametrize("value", ["abc", "999999", "", "²", "9" * 30])
def test_a_saved_marker_that_is_not_this_projects_is_ignored(client_for, rep, project, other_project, value):
    KeyPointFactory(project=project)
    foreign = KeyPointFactory(project=other_project)
    for marker in (value, str(foreign.pk)):
        response = page(client_for(rep), project, saved=marker)
        assert response.status_code == 200 and response.context["saved"] is None
        assert "kp-saved" not in html_of(response)


# 5. A next step's state is the same everywhere on the page ---------------------------------------


def test_marking_a_next_step_done_by_htmx_updates_the_timeline_line_too(client_for, rep, project):
    keypoint = KeyPointFactory(project=project, next_step="发送报价单")
    client = client_for(rep)
    html = html_of(page(client, project))
    assert f'id="kp-{keypoint.pk}-next-step"' in html and f'id="next-step-{keypoint.pk}"' in html
    response = client.post(
        reverse("keypoints:next_step", args=[keypoint.pk]), {"done": "1"}, HTTP_HX_REQUEST="true", **EN
    )
    html = html_of(response)
    assert re.match(rf'\s*<li [^>]*id="next-step-{keypoint.pk}"', html)  # the sidebar item, swapped in place
    line = tag(html, f'id="kp-{keypoint.pk}-next-step"')
    assert 'hx-swap-oob="true"' in line
    oob = html[html.index(line) :]
    assert ">Done</span>" in oob and "发送报价单" in oob
    response = client.post(
        reverse("keypoints:next_step", args=[keypoint.pk]), {"done": "0"}, HTTP_HX_REQUEST="true", **EN
    )
    assert ">Open</span>" in html_of(response)[html_of(response).index(f'id="kp-{keypoint.pk}-next-step"') :]


def test_marking_a_next_step_done_without_javascript_shows_it_done_everywhere(client_for, rep, project):
    keypoint = KeyPointFactory(project=project, next_step="发送报价单")
    client = client_for(rep)
    response = client.post(reverse("keypoints:next_step", args=[keypoint.pk]), {"done": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#next-steps")
    html = html_of(client.get(response["Location"], **EN))
    line = html[html.index(f'id="kp-{keypoint.pk}-next-step"') :]
    assert ">Done</span>" in line[:600]
    keypoint.refresh_from_db()
    assert keypoint.next_step_status == NextStepStatus.DONE


def test_only_the_soonest_open_next_steps_are_listed_with_a_count_of_the_rest(client_for, rep, project):
    bulk_keypoints(project, rep, 12)
    response = page(client_for(rep), project)
    assert len(response.context["next_steps"]) == 5
    assert response.context["more_next_steps"] == 7
    assert "And 7 more open next steps, due later." in html_of(response)


# 6. The timeline: the newest open, older ones one line each, in pages ---------------------------


def test_the_three_newest_entries_are_open_and_older_ones_closed(client_for, rep, project):
    bulk_keypoints(project, rep, 6)
    response = page(client_for(rep), project)
    entries = response.context["timeline"].object_list
    assert [kp.opened for kp in entries] == [True, True, True, False, False, False]
    html = html_of(response)
    assert html.count('<details class="kp-details" open>') == 3
    assert html.count('<details class="kp-details">') == 3
    # A closed entry's one line: date, method, author, the gist and its completeness.
    closed = entries[3]
    summary = re.search(rf'id="kp-{closed.pk}".*?<summary.*?</summary>', html, re.S).group(0)
    assert "Phone" in summary and str(rep) in summary
    assert f"Elements {closed.elements_filled}/{closed.elements_total}" in summary
    assert closed.summary[:20] in summary


def test_a_long_history_shows_twenty_entries_and_a_way_to_older_ones(client_for, rep, project):
    bulk_keypoints(project, rep, 45)
    client = client_for(rep)
    response = page(client, project)
    assert len(response.context["timeline"].object_list) == 20
    html = html_of(response)
    more = tag(html, 'data-testid="older-keypoints"')
    assert f'href="/projects/{project.pk}/?older=2#timeline"' in more
    assert f'hx-get="/projects/{project.pk}/keypoints/?page=2&amp;after_stage=' in more

    older = page(client, project, older="2")
    assert older.context["timeline"].number == 2
    assert not any(kp.opened for kp in older.context["timeline"].object_list)
    assert 'data-testid="newer-keypoints"' in html_of(older)
    last = page(client, project, older="3")
    assert len(last.context["timeline"].object_list) == 5
    assert 'data-testid="older-keypoints"' not in html_of(last)


def test_the_older_entries_partial_continues_the_timeline(client_for, rep, project):
    bulk_keypoints(project, rep, 45)
    client = client_for(rep)
    first = page(client, project).context["timeline"]
    url = reverse("projects:timeline", args=[project.pk])
    response = client.get(url, {"page": "2", "after_stage": str(first.last_stage)}, HTTP_HX_REQUEST="true", **EN)
    assert response.status_code == 200
    html = html_of(response)
    assert "<html" not in html
    entries = response.context["timeline"].object_list
    assert len(entries) == 20 and not set(entries) & set(first.object_list)
    # The stage group that page 1 ended in goes on without a second heading.
    assert entries[0].stage == first.last_stage and not entries[0].starts_group
    assert "autofocus" in re.search(r"<summary[^>]*>", html).group(0)  # htmx moves the focus to the first one
    assert f'hx-get="/projects/{project.pk}/keypoints/?page=3' in html


@pytest.mark.parametrize("params", [{"page": "x"}, {"page": "99", "after_stage": "9"}, {"after_stage": "<b>"}])
def test_the_older_entries_partial_takes_bad_input_calmly(client_for, rep, project, params):
    bulk_keypoints(project, rep, 3)
    response = client_for(rep).get(reverse("projects:timeline", args=[project.pk]), params)
    assert response.status_code == 200


def test_the_older_entries_partial_keeps_to_the_users_scope(client_for, rep, manager, other_project):
    url = reverse("projects:timeline", args=[other_project.pk])
    assert client_for(rep).get(url).status_code == 404
    assert client_for(manager).get(url).status_code == 200


def test_project_page_queries_and_size_stay_small_with_1500_key_points(
    client_for, rep, project, django_assert_max_num_queries
):
    client = client_for(rep)
    bulk_keypoints(project, rep, 3)
    with django_assert_max_num_queries(25) as few:
        small = page(client, project, saved=str(KeyPoint.objects.first().pk))
    bulk_keypoints(project, rep, 1497)
    assert KeyPoint.objects.filter(project=project).count() == 1500
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = page(client, project, saved=str(KeyPoint.objects.order_by("occurred_at").first().pk))
    assert small.status_code == response.status_code == 200
    assert len(response.content) < 300_000
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client, project, older="40")


# 7. The completeness badge says what it counts ------------------------------------------------


def test_the_completeness_badge_and_its_explanation(client_for, rep, project):
    at_stage(project, StageNumber.NEEDS)
    KeyPointFactory(project=project, stage=2, question_list="问题清单", explicit_pains="库存不准")
    client = client_for(rep)
    html = html_of(page(client, project))
    assert re.search(r'data-testid="completeness">\s*Elements 4/6\s*<', html)
    assert "4 of the 6 elements this stage asks for are recorded." in html
    assert "Missing: Implicit needs, Decision process" in html
    html = client.get(reverse("projects:detail", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert re.search(r'data-testid="completeness">\s*要素 4/6\s*<', html)
    assert "本阶段要求的 6 项要素中已记录 4 项。" in html


# 8. Phone first: the order of the page, and a stage path to reach by keyboard ----------------


def test_the_page_reads_stage_path_next_steps_log_button_timeline_then_the_sidebar(client_for, rep, project):
    KeyPointFactory(project=project)
    html = html_of(page(client_for(rep), project))
    order = [
        'data-testid="stage-path"',
        'data-testid="next-steps"',
        'data-testid="log-keypoint"',
        'id="timeline"',
        "Profile",
        "Sales team",
        "Decision chain",
        "Stage history",
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    path = tag(html, 'data-testid="stage-path"')
    assert 'tabindex="0"' in path and 'aria-label="Stage path"' in path
    # The form, once opened: the save button's bar, sticky at the bottom on a phone.
    assert "kp-form-actions" in html_of(page(client_for(rep), project, log="1"))


def test_the_project_page_answers_only_get(client_for, rep, project):
    assert client_for(rep).post(reverse("projects:detail", args=[project.pk])).status_code == 405


def test_an_open_project_only_is_offered_the_advance(client_for, rep, lead, project):
    services.project_mark_lost(project=project, actor=lead, lost_reason=LostReason.objects.first())
    project.refresh_from_db()
    assert project.status == ProjectStatus.LOST
    assert 'data-testid="advance"' not in html_of(page(client_for(rep), project))
