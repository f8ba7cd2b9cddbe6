from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from messenger import hooks

        from . import checks, registrations, selectors, userdata

        checks.register()
        hooks.register_collection("rooms", registrations.rooms_collection)
        hooks.register_collection("winks", registrations.winks_collection)
        hooks.seeders.append(registrations.seed_rooms)
        hooks.unread_counts.append(selectors.unread_counts)
        hooks.account_deleted.append(userdata.messages_purge_for_user)
        hooks.register_exporter("readMarkers", userdata.read_markers_export)
        hooks.register_exporter("messages", userdata.messages_export)
