"""Existing accounts get the lookalike keys of their names, so new names are
checked against them too."""

from django.db import migrations


def backfill(apps, schema_editor):
    from messenger.accounts.names import skeleton

    Profile = apps.get_model("messenger", "Profile")
    for profile in Profile.objects.select_related("user").iterator():
        profile.username_skeleton = skeleton(profile.user.username)
        profile.display_skeleton = skeleton(profile.display_name)
        profile.save(update_fields=["username_skeleton", "display_skeleton"])


class Migration(migrations.Migration):
    dependencies = [("messenger", "0003_names_skeletons_and_retired_usernames")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
