from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "presence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from messenger import hooks

        from . import broadcast
        from . import hooks as presence_hooks
        from .seed import contacts_seed

        hooks.dm_allowed.append(presence_hooks.dm_allowed)
        hooks.blockers_of.append(presence_hooks.blockers_of)
        hooks.profile_changed.append(broadcast.profile_changed)
        hooks.account_deleted.append(presence_hooks.account_deleted)
        hooks.register_exporter("contacts", presence_hooks.contacts_export)
        hooks.register_exporter("listedBy", presence_hooks.listed_by_export)
        hooks.seeders.append(contacts_seed)
