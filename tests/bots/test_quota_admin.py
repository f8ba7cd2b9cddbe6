"""Bot quotas from the admin (issue 7 item 1): today's use on the bot list,
reset per bot or for all, with confirmation, each reset audited."""

import re

from asgiref.sync import async_to_sync
from django.conf import settings

from bots import quota, services
from conftest import unique_name
from messenger.models import AuditLog
from tests.admin_session import admin_messages

PERSONAS = "/admin/bots/persona/"


def persona(prefix: str):
    return services.persona_upsert(
        handle=unique_name(prefix), display_name=prefix.title(), system_prompt="You are a test."
    )


def spend(bot, times: int) -> None:
    # A new asker each time: only the shared pool is under test here.
    for asker in range(times):
        assert async_to_sync(quota.acquire)(bot, user_id=-1 - asker) == quota.GRANTED


def used_column(page_html: str, bot) -> str:
    row = next(row for row in page_html.split("<tr") if f">@{bot.handle}<" in row)
    return re.search(r'<td class="field-used_today">(\d+)</td>', row).group(1)


def test_quota_is_shown_and_reset_per_bot_then_all_with_confirmation(admin_session, moderator):
    quota.reset()  # today's counter is shared by the whole test session
    chatty, quiet = persona("chatty"), persona("quiet")
    spend(chatty, 3)
    spend(quiet, 2)

    page = admin_session.get(PERSONAS)
    assert f"5 of {settings.BOT_DAILY_QUOTA} interactions used" in page.text
    assert (used_column(page.text, chatty), used_column(page.text, quiet)) == ("3", "2")

    # Destructive: the first post only asks.
    asked = admin_session.action(PERSONAS, "reset_quota_of_selected", [chatty.pk])
    assert "Reset these bots&#x27; quota" in asked.text and 'name="cfm_confirmed" value="yes"' in asked.text
    assert quota.usage().used == 5

    done = admin_session.action(PERSONAS, "reset_quota_of_selected", [chatty.pk], confirm=True, reason="demo day")
    left = settings.BOT_DAILY_QUOTA - 2
    assert admin_messages(done) == [
        f"Gave back 3 interaction(s); {left} of {settings.BOT_DAILY_QUOTA} left today; woke 0 bot(s)."
    ]
    assert quota.usage().per_bot == {quiet.handle: 2}
    record = AuditLog.objects.get(action="bot_quota_reset", target_id=chatty.handle)
    assert (record.actor_id, record.reason, record.details) == (moderator.pk, "demo day", {"givenBack": 3})

    done = admin_session.action(PERSONAS, "reset_quota_of_all", [quiet.pk], confirm=True)
    assert admin_messages(done)[0].startswith("Gave back 2 interaction(s)")
    assert quota.usage().used == 0
    assert AuditLog.objects.filter(action="bot_quota_reset", target_id="all", actor_id=moderator.pk).count() == 1
