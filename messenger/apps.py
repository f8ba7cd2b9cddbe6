from django.apps import AppConfig


class MessengerConfig(AppConfig):
    name = "messenger"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, collections, seed  # noqa: F401  (registers checks, collections, seeders)
        from . import startup

        startup.warn_about_configuration()
