"""KitMail's sample data: campaigns as its API lists them, and each one's link clicks."""

SANDBOX_KEY = "xkeysib-kitmail-sandbox-key"
#: id -> (name, sent, [(url, clicks at tick 0, clicks added per tick)])
CAMPAIGNS: dict[int, tuple[str, str, list[tuple[str, int, int]]]] = {
    11: ("Spring sale", "2026-03-01T10:00:00.000Z", [("https://shop.example/spring", 30, 2)]),
    12: ("Newsletter", "2026-04-01T10:00:00.000Z", [("https://news.example/a?x=1", 9, 0)]),
    13: ("Launch", "2026-05-01T10:00:00.000Z", [("https://shop.example/", 0, 0)]),
}
