"""The API and the web page say which year's service list a result uses."""

from __future__ import annotations

R = "/api/v1/regions/keski-suomi"


def test_coverage_past_the_data_says_which_year(client):
    r = client.get(f"{R}/access/coverage", params={"service": "health_station", "year": 2026})
    assert r.status_code == 200, r.text
    net = r.json()["meta"]["network"]
    assert net["network_year"] == 2019 and net["requested_year"] == 2026 and net["beyond_data"]
    assert "used for 2026" in r.json()["meta"]["note"]
    now = client.get(f"{R}/access/coverage", params={"service": "health_station"}).json()
    assert now["meta"]["network"]["network_year"] == 2019
    assert now["meta"]["network"]["beyond_data"] is False


def test_network_page_has_the_banner_and_its_messages(client):
    html = client.get("/network", params={"lang": "en"}).text
    assert 'id="network-year"' in html
    assert "Service network: the list of {year}" in html  # message catalogue for the page
