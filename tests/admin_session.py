"""A moderator signed in to the admin of a live server, over real HTTP, as a browser would."""

import re

import requests

from conftest import fake_ip

MOD_PASSWORD = "mod-password-1"


class AdminSession:
    """Drives the admin like a browser: CSRF cookie, login form, action posts."""

    def __init__(self, base_url: str, user):
        self.base_url = base_url
        self.user = user
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = fake_ip()

    def _csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def login(self) -> "AdminSession":
        self.http.get(self.base_url + "/admin/login/", timeout=30)
        response = self.http.post(
            self.base_url + "/admin/login/?next=/admin/",
            data={"username": self.user.username, "password": MOD_PASSWORD, "csrfmiddlewaretoken": self._csrf()},
            timeout=30,
        )
        assert response.status_code == 200 and "/admin/logout/" in response.text, response.text[:500]
        return self

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=30, **kwargs)

    def action(self, changelist: str, action: str, ids: list, *, confirm: bool = False, **fields) -> requests.Response:
        """POST an admin action on the selected rows; `confirm` answers the confirmation page."""
        data = {"action": action, "_selected_action": [str(pk) for pk in ids], "csrfmiddlewaretoken": self._csrf(), **fields}
        if confirm:
            data["cfm_confirmed"] = "yes"
        response = self.http.post(self.base_url + changelist, data=data, timeout=30)
        assert response.status_code == 200, response.text[:500]
        return response


def admin_messages(response: requests.Response) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'<li class="(?:success|warning|error|info)">(.*?)</li>', response.text, re.S)]
