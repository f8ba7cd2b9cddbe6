"""The app page carries the server's one list of statuses: its menus and the
words the client shows are built from messenger.models.STATUS_CHOICES."""

import json
import re

from messenger.models import STATUS_CHOICES


def test_the_page_carries_the_status_list(api):
    html = api().get("/").text
    carried = re.search(r'<script id="statuses" type="application/json">(.*?)</script>', html, re.S)
    assert carried, "the page has no #statuses list"
    carried_words = [(item["code"], item["label"]) for item in json.loads(carried.group(1))]
    assert carried_words == [*STATUS_CHOICES, ("offline", "Offline")]
    for select in ("signin-status", "me-status"):
        menu = re.search(rf'<select id="{select}"[^>]*>(.*?)</select>', html, re.S).group(1)
        assert re.findall(r'<option value="(\w+)">([^<]+)</option>', menu) == STATUS_CHOICES
    assert dict(STATUS_CHOICES)["lunch"] == "Out to Lunch"
