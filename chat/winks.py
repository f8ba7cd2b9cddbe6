"""The wink catalog (`GET /api/winks`): animations drawn for this project,
served as animated SVG from static/winks/."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Wink:
    id: str
    name: str
    duration_ms: int

    def public(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "url": f"{settings.STATIC_URL}winks/{self.id}.svg",
            "durationMs": self.duration_ms,
        }


CATALOG: dict[str, Wink] = {
    wink.id: wink
    for wink in (
        Wink("heart", "Beating heart", 2000),
        Wink("kiss", "Flying kiss", 2000),
        Wink("laugh", "Rolling laugh", 2400),
        Wink("rose", "Blooming rose", 2400),
        Wink("guitar", "Air guitar", 2000),
        Wink("rain", "Rain cloud", 2400),
        Wink("fireworks", "Fireworks", 2400),
    )
}


def catalog_public() -> list[dict]:
    return [wink.public() for wink in CATALOG.values()]
