"""Demo accounts for `manage.py seed_demo`: creates what is missing, changes nothing that exists."""

from django.contrib.auth import get_user_model

from messenger.models import Profile

DEMO_PASSWORD = "messenger"

DEMO_USERS = [
    ("alice", "Alice ✿", "brb pizza", "flower", "online"),
    ("bob", "~*Bob*~", "l33t h4x0r", "robot", "busy"),
    ("carol", "Carol ♫ listening to Coldplay", "Viva la Vida", "guitar", "online"),
    ("dave", "Dave [away]", "gone fishin'", "duck", "away"),
    ("erin", "xXx Erin xXx", "<3 my bff 4eva", "heart", "online"),
    ("frank", "Frank the Tank", "GO TEAM!!!", "soccer", "online"),
    ("grace", "Grace ~ exams :(", "studying, do not disturb", "chess", "busy"),
    ("heidi", "Heidi (coffee)", "need more coffee", "sun", "brb"),
    ("ivan", "Ivan ☆", "on the phone with mum", "star", "phone"),
    ("judy", "Judy ^_^", "lunch at the mall", "butterfly", "lunch"),
    ("mallory", "Mallory >:)", "plotting...", "skull", "online"),
    ("niaj", "Niaj 8-)", "Linkin Park 4 life", "guitar", "online"),
    ("olivia", "Olivia *sparkle*", "new profile pic!!", "flower", "online"),
    ("peggy", "Peggy :P", "who wants to play Minesweeper", "cat", "away"),
    ("rupert", "Rupert the Great", "", "dog", "online"),
    ("sybil", "Sybil ~ dreaming", "zzz", "sun", "invisible"),
    ("trent", "Trent [at work]", "meetings all day", "chess", "busy"),
    ("uma", "Uma <3 music", "Hey Ya! - OutKast", "heart", "online"),
    ("victor", "Victor :D", "just got a new Nokia", "robot", "phone"),
    ("walter", "Walter B)", "skating later?", "soccer", "online"),
    ("xena", "Xena Warrior Princess", "ayayayay", "star", "online"),
    ("yolanda", "Yolanda ~*~", "Friends marathon", "butterfly", "brb"),
    ("zoe", "Zoe (k)", "msg me!!", "heart", "online"),
    ("nick", "Nick @ home", "downloading on 56k...", "duck", "away"),
    ("tom", "Tom from MySpace", "thanks for the add", "dog", "online"),
    ("kate", "Kate ;)", "", "cat", "online"),
    ("liam", "Liam the Gamer", "Halo 2 LAN party", "robot", "busy"),
    ("mia", "Mia ☼", "summer holidays!", "sun", "online"),
    ("noah", "Noah ::", "The OC is on", "star", "lunch"),
    ("ruby", "Ruby <3", "new ringtone", "flower", "online"),
]
DEMO_USERNAMES = frozenset(username for username, *_ in DEMO_USERS)


def seed_users(stdout) -> None:
    User = get_user_model()
    created = 0
    for username, name, message, avatar, status in DEMO_USERS:
        user, made = User.objects.get_or_create(username=username)
        if made:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created += 1
        # Only what is missing: a name, message or status that someone
        # changed while using the demo is theirs, and a re-run keeps it.
        Profile.objects.get_or_create(
            user=user,
            defaults={
                "display_name": name,
                "personal_message": message,
                "avatar": f"/static/avatars/{avatar}.svg",
                "status": status,
            },
        )
    stdout.write(f"demo users: {len(DEMO_USERS)} ({created} new), password {DEMO_PASSWORD!r}")

