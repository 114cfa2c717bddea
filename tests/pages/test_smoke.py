import pytest
from django.urls import reverse


@pytest.mark.parametrize("username", ["county_admin", "township_a_admin", "secretary_a1", "inspector_a"])
def test_main_pages_render(world, client_for, username):
    client = client_for(username)
    zhang = world.members["zhang"]
    for url in [
        reverse("home"),
        reverse("orgs:tree"),
        reverse("orgs:tree") + "?q=东村",
        reverse("orgs:search") + "?q=东村",
        reverse("orgs:detail", args=["TA01"]),
        reverse("orgs:children", args=["TA01"]),
        reverse("members:list"),
        reverse("members:detail", args=[zhang.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
