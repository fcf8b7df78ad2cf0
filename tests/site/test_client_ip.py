"""Which address the per-IP limits and the comment records use (yzgz.net.client_ip).

X-Forwarded-For is believed only from the proxies in DJANGO_TRUSTED_PROXIES, the right hop is
taken, and nothing a client writes into the header can switch the limits off.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from yzgz.net import client_ip, parse_trusted_proxies

rf = RequestFactory()


def ip_of(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **meta))


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = ("127.0.0.1",)


def test_a_client_straight_to_an_app_server_cannot_choose_its_address(behind_nginx):
    assert ip_of("203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = ()
    assert ip_of("127.0.0.1", "198.51.100.1") == "127.0.0.1"


def test_behind_nginx_the_address_nginx_saw_is_the_client(behind_nginx):
    # The client wrote "1.2.3.4" itself; nginx appended the address it really came from.
    assert ip_of("127.0.0.1", "1.2.3.4, 198.51.100.7") == "198.51.100.7"


@pytest.mark.parametrize("garbage", ["garbage", "", " , ", "unknown", "999.1.1.1", "_hidden", "1.2.3.4, x"])
def test_an_unparseable_hop_is_the_proxys_own_address_not_no_limit(behind_nginx, garbage):
    assert ip_of("127.0.0.1", garbage) == "127.0.0.1"


def test_two_proxies_in_a_row_are_walked_to_the_first_foreign_hop(settings):
    settings.TRUSTED_PROXIES = ("10.0.0.0/24", "127.0.0.1")
    assert ip_of("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.5") == "198.51.100.7"


def test_only_trusted_hops_means_the_leftmost_proxy(settings):
    settings.TRUSTED_PROXIES = ("10.0.0.0/24",)
    assert ip_of("10.0.0.2", "10.0.0.9") == "10.0.0.9"


def test_ports_and_mapped_ipv6_are_read_as_the_address(behind_nginx):
    assert ip_of("127.0.0.1", "198.51.100.7:4431") == "198.51.100.7"
    assert ip_of("127.0.0.1", "[2001:db8::5]:443") == "2001:db8::5"
    assert ip_of("::ffff:127.0.0.1", "::ffff:198.51.100.7") == "198.51.100.7"


def test_the_setting_refuses_a_typo():
    assert parse_trusted_proxies(" 127.0.0.1, 10.0.0.0/24 ,") == ("127.0.0.1", "10.0.0.0/24")
    with pytest.raises(ValueError, match="nginx"):
        parse_trusted_proxies("127.0.0.1,nginx")


def test_production_settings_refuse_to_start_with_a_bad_proxy_list(monkeypatch):
    import importlib

    import yzgz.settings

    monkeypatch.setenv("DJANGO_TRUSTED_PROXIES", "1")  # the old hop count: now it must name the proxy
    with pytest.raises(ImproperlyConfigured, match="DJANGO_TRUSTED_PROXIES"):
        importlib.reload(yzgz.settings)
    monkeypatch.delenv("DJANGO_TRUSTED_PROXIES")
    importlib.reload(yzgz.settings)
