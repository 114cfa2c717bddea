import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.notifications.choices import NotificationKind
from dangjian.notifications.models import Notification
from dangjian.notifications.services import Draft, notifications_send


def send(user, text, key=None, link=""):
    drafts = [Draft(user_id=user.pk, kind=NotificationKind.DUES, text=text, dedup_key=key or text, link=link)]
    return notifications_send(drafts=drafts).created[0]


@pytest.fixture
def inboxes(world):
    secretary, other = world.users["secretary_a1"], world.users["township_b_admin"]
    return {
        "mine": send(secretary, "东村党费欠交提醒", link=reverse("dues:arrears", args=["TA01"])),
        "also_mine": send(secretary, "东村换届提醒"),
        "theirs": send(other, "南村组织生活提醒"),
    }


def test_the_list_shows_only_the_users_own(client, world, inboxes):
    client.force_login(world.users["secretary_a1"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert "东村党费欠交提醒" in page and "东村换届提醒" in page
    assert "南村组织生活提醒" not in page


def test_the_bell_counts_unread_in_one_query(client, world, inboxes):
    client.force_login(world.users["secretary_a1"])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("orgs:tree")).content.decode()
    assert 'id="nav-unread">2<' in page
    assert len([q for q in captured.captured_queries if "notifications_notification" in q["sql"]]) == 1


def test_marking_read_lowers_the_count_and_is_audited(client, world, inboxes):
    client.force_login(world.users["secretary_a1"])
    response = client.post(reverse("notifications:read", args=[inboxes["mine"].pk]), {"follow": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("dues:arrears", args=["TA01"])
    inboxes["mine"].refresh_from_db()
    assert inboxes["mine"].read_at is not None
    assert AuditEvent.objects.filter(action="notification.read", object_id=str(inboxes["mine"].pk)).exists()
    page = client.get(reverse("notifications:list") + "?unread=1").content.decode()
    assert "东村换届提醒" in page and "东村党费欠交提醒" not in page
    assert 'id="nav-unread">1<' in page


def test_someone_elses_notification_is_a_404_and_stays_unread(client, world, inboxes):
    client.force_login(world.users["secretary_a1"])
    response = client.post(reverse("notifications:read", args=[inboxes["theirs"].pk]))
    assert response.status_code == 404
    assert Notification.objects.get(pk=inboxes["theirs"].pk).read_at is None


def test_marking_read_needs_post_and_a_login(client, world, inboxes):
    url = reverse("notifications:read", args=[inboxes["mine"].pk])
    assert client.post(url).status_code == 302  # to the login page
    client.force_login(world.users["secretary_a1"])
    assert client.get(url).status_code == 405
    assert Notification.objects.get(pk=inboxes["mine"].pk).read_at is None


def test_a_link_off_the_site_is_not_followed(client, world):
    secretary = world.users["secretary_a1"]
    notification = send(secretary, "外链", link="https://example.com/")
    client.force_login(secretary)
    response = client.post(reverse("notifications:read", args=[notification.pk]), {"follow": "1"})
    assert response["Location"] == reverse("notifications:list")
