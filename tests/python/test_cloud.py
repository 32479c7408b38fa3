"""Cloud: the world's mock cloud as Python reads it."""

import json

import pytest

from conftest import DEMO_HOUSE

pytestmark = pytest.mark.world(DEMO_HOUSE)


def test_cloud_hears_the_units_hello_at_boot(world):
    cloud = world.cloud
    assert cloud is not None and cloud.url == world.cloud_url
    assert world.run_until(lambda: any(e.kind == "cloud.unit_hello" for e in cloud.events),
                           timeout=60)
    hello = next(e for e in cloud.events if e.kind == "cloud.unit_hello")
    assert json.loads(hello.detail)["device_code"] == "9999950072"
    assert hello.source == "cloud" and hello.unit == ""


def test_outbox_starts_empty(world):
    world.advance(minutes=5)
    assert world.cloud.mails() == [] and world.cloud.sms() == []
    world.cloud.fail_delivery_to("@example.jp")  # DOMAIN R5: takes effect for later mail
    world.cloud.clear_delivery_failures()


def test_signup_mails_a_link_that_verifies_and_then_login_works(world):
    # DOMAIN R20, R21: sign up, the verification mail's link, then login.
    cloud = world.cloud
    r = cloud.request("POST", "/v1/club-id/signup",
                      json={"email": "taro@example.jp", "password": "abc12345"})
    assert r["status"] == 200, r["body"]
    mails = cloud.mails(to="taro@example.jp")
    assert len(mails) == 1 and mails[0].delivered
    assert mails[0].sender == "no-reply@club.panasonic.jp"  # DOMAIN R5
    early = cloud.request("POST", "/v1/club-id/login",
                          json={"email": "taro@example.jp", "password": "abc12345"})
    assert early["status"] == 403 and early["json"]["error"]["code"] == "not_verified"
    assert cloud.request("GET", mails[0].links[0])["status"] == 200
    login = cloud.request("POST", "/v1/club-id/login",
                          json={"email": "taro@example.jp", "password": "abc12345"})
    assert login["status"] == 200, login["body"]


def test_weak_password_is_refused_citing_r20(world):
    r = world.cloud.request("POST", "/v1/club-id/signup",
                            json={"email": "jiro@example.jp", "password": "12345678"})
    assert r["status"] == 400
    assert r["json"]["error"]["code"] == "weak_password"
    assert r["json"]["error"]["rule"] == "R20"
    assert world.cloud.mails(to="jiro@example.jp") == []


def test_filtered_mail_never_arrives(world):
    # DOMAIN R5: a phone that filters the vendor's domain never receives the mail.
    world.cloud.fail_delivery_to("@example.jp")
    world.cloud.request("POST", "/v1/club-id/signup",
                        json={"email": "saburo@example.jp", "password": "abc12345"})
    [mail] = world.cloud.mails(to="saburo@example.jp")
    assert not mail.delivered and "example.jp" in mail.failure
