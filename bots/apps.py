from django.apps import AppConfig


class BotsConfig(AppConfig):
    name = "bots"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from chat import hooks as chat_hooks
        from messenger import hooks as messenger_hooks

        from . import runtime, seed, userdata, views

        chat_hooks.message_stored.append(runtime.on_message_stored)
        messenger_hooks.seeders.append(seed.seed_bots)
        messenger_hooks.register_exporter("bot", userdata.bot_export)
        messenger_hooks.register_collection("bots", views.bots_page)
