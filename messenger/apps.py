from django.apps import AppConfig


class MessengerConfig(AppConfig):
    name = "messenger"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, collections, seed, startup  # noqa: F401  (registers checks, collections, seeders)

        startup.warn_about_configuration()
        from . import analytics, audit, erasure, hooks

        hooks.account_deleted.extend([analytics.account_deleted, audit.account_deleted, erasure.account_deleted])
