from django.apps import AppConfig


class MessengerConfig(AppConfig):
    name = "messenger"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from messenger import hooks
        from messenger.accounts import directory, profile, seed
        from messenger.operations import analytics, audit, checks, erasure

        checks.register()
        hooks.register_collection("users", directory.users_page)
        hooks.seeders.append(seed.seed_users)
        hooks.account_deleted.extend(
            [analytics.account_deleted, audit.account_deleted, erasure.account_deleted, profile.account_deleted]
        )
