def test_the_auditor_sees_only_home_audit_and_messages_in_the_navigation(client, world):
    client.force_login(world.users["auditor"])
    html = client.get("/audit/").content.decode()
    assert 'href="/audit/"' in html
    for section in ("/orgs/", "/members/", "/orglife/", "/io/"):
        assert f'href="{section}"' not in html


def test_a_township_admin_sees_the_business_sections(client, world):
    client.force_login(world.users["township_a_admin"])
    html = client.get("/").content.decode()
    for section in ("/orgs/", "/members/", "/orglife/", "/io/"):
        assert f'href="{section}"' in html
    assert 'href="/audit/"' not in html
