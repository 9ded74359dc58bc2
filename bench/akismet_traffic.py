"""Synthetic WordPress traffic for the Akismet benchmarks (akismet_http.py, akismet_forms.py,
antispam_record.py): labelled comments to train the engine on, and comment-check forms as the
WordPress Akismet plugin posts them.

Seeded, so that every run posts the same: varied ham and spam texts (short to several
paragraphs, links, floods of near duplicates), authors, e-mails, IPs (some networks bursting),
articles, user agents, and about a third with the hundreds of ``$_SERVER`` fields the plugin
sends.
"""

from __future__ import annotations

import random
import urllib.parse

BLOG = "https://blog.example.org"


HAM_OPENERS = [
    "Thanks for this piece.", "Interesting read.", "I live on that street and", "Good article,",
    "As a teacher in the district,", "Not sure I agree:", "Finally someone reports on this.",
    "My grandmother remembers when", "Quick correction:", "I was at the meeting and",
    "Could you follow up on this?", "Well written, but", "This matches what we saw",
]
HAM_TOPICS = [
    "the council budget", "the new cycle lane", "the harbour redevelopment", "the bus timetable",
    "the school merger", "the library opening hours", "flooding on the ring road",
    "the hospital car park", "the housing plan for the old mill", "the summer festival",
    "the recycling collection changes", "the football club's new stadium", "the tram extension",
    "the market square repairs", "the water bill increase", "the bridge closure",
]
HAM_MIDDLES = [
    "the figures quoted seem to be from last year", "nobody asked the residents first",
    "the mayor promised something different in March", "the consultation closed too early",
    "we have waited six years for this", "the map in the second paragraph is out of date",
    "it will cost more than they say", "my neighbours feel the same way",
    "the photos really show how bad it got", "the minutes of the meeting are online",
    "traffic has doubled since the works started", "our children walk that way every day",
    "I wrote to my councillor about it twice", "the opposition voted for it as well",
]
HAM_CLOSERS = [
    "Keep up the good work.", "Will you cover the next meeting?", "Thanks again.",
    "Looking forward to the follow-up.", "Who can we contact about this?", "",
    "I hope someone listens this time.", "Great photos by the way.", "Cheers.",
]
SPAM_PHRASES = [
    "buy cheap pills online", "best price guaranteed", "click here to claim your prize",
    "earn money from home fast", "free spins casino bonus", "replica watches discount",
    "lose weight in 7 days", "crypto investment doubles your money", "hot singles near you",
    "cheap followers and likes", "no prescription needed", "limited offer act now",
    "work from home 5000 dollars a week", "best seo backlinks service", "payday loans approved",
]
SPAM_DOMAINS = ["cheap-meds.example", "casino-win.example", "seo-links.example",
                "fastcash.example", "replica.example", "crypto-gain.example"]
FIRST = ["Ann", "Bob", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas",
         "Kate", "Liam", "Maria", "Noah", "Olga", "Pierre", "Quinn", "Rosa", "Sam", "Tariq"]
LAST = ["Reader", "Smith", "Okafor", "Nguyen", "Garcia", "Muller", "Rossi", "Kowalski",
        "Dubois", "Jensen", "Silva", "Brown", "Haddad", "Ito", "Novak", "Evans"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
    "python-requests/2.31", "curl/8.5.0",
]


def ham_text(rng: random.Random) -> str:
    sentences = [f"{rng.choice(HAM_OPENERS)} {rng.choice(HAM_MIDDLES)} about "
                 f"{rng.choice(HAM_TOPICS)}."]
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 5, 8, 14))):
        sentences.append(f"{rng.choice(HAM_MIDDLES).capitalize()}, and "
                         f"{rng.choice(HAM_MIDDLES)}.")
    sentences.append(rng.choice(HAM_CLOSERS))
    return " ".join(s for s in sentences if s)


def spam_text(rng: random.Random) -> str:
    words = [rng.choice(SPAM_PHRASES) for _ in range(rng.randint(2, 12))]
    links = [f"https://{rng.choice(SPAM_DOMAINS)}/{rng.randint(1, 999)}"
             for _ in range(rng.choice((0, 1, 1, 2, 3, 6, 16)))]
    return " ".join(words).capitalize() + "! " + " ".join(links)


def person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    mail = f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@" + rng.choice(
        ("example.net", "mail.example.com", "example.org"))
    return f"{first} {last}", mail


def comment(rng: random.Random, index: int, spam: bool) -> dict[str, str]:
    """One comment as a CSV row for training: text, label, author, email, url, ip, article."""
    name, mail = person(rng)
    if spam:
        text = spam_text(rng)
        ip = f"198.51.{rng.randint(0, 3)}.{rng.randint(1, 254)}"
        url = f"https://{rng.choice(SPAM_DOMAINS)}/"
    else:
        text = ham_text(rng)
        ip = f"203.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        url = "" if rng.random() < 0.7 else f"https://{name.split()[0].lower()}.example.net/"
    return {"text": text, "label": "spam" if spam else "ham", "author": name, "email": mail,
            "url": url, "ip": ip, "article": f"{BLOG}/2026/11/story-{index % 60}/"}


def training_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [comment(rng, i, spam=rng.random() < 0.4) for i in range(count)]


def form(rng: random.Random, key: str, index: int) -> dict[str, str | list[str]]:
    """A comment-check form as the WordPress Akismet plugin posts it."""
    kind = rng.random()
    row = comment(rng, index, spam=kind < 0.35)
    if 0.35 <= kind < 0.42:
        # A flood: one of a few spam texts, lightly varied, on many articles from one network.
        row["text"] = f"{SPAM_PHRASES[index % 3]} now, visit https://flood.example/{index % 5} "
        row["text"] += f"offer {rng.randint(1, 9)}"
        row["ip"] = f"192.0.2.{rng.randint(1, 254)}"
    data: dict[str, str | list[str]] = {
        "api_key": key, "blog": BLOG, "user_ip": row["ip"],
        "user_agent": rng.choice(AGENTS), "referrer": row["article"],
        "permalink": row["article"], "comment_type": rng.choice(("comment", "comment", "reply")),
        "comment_author": row["author"], "comment_author_email": row["email"],
        "comment_author_url": row["url"], "comment_content": row["text"],
        "blog_lang": "en_US", "blog_charset": "UTF-8",
        "comment_date_gmt": f"2026-11-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:"
                            f"{rng.randint(0, 59):02d}:00",
        "comment_post_modified_gmt": "2026-11-01 08:00:00",
        "user_role": "", "honeypot_field_name": "ak_hp_textarea", "ak_hp_textarea": "",
        "comment_context[]": rng.sample(["council", "harbour", "transport", "schools", "sport",
                                         "culture", "weather"], 2),
    }
    if rng.random() < 0.33:
        # The whole $_SERVER and $_POST, as the plugin sends them.
        data.update({"comment_post_ID": str(rng.randint(1000, 99999)), "comment_parent": "0",
                     "akismet_comment_nonce": "passed", "POST_comment": row["text"],
                     "SERVER_REQUEST_METHOD": "POST", "SERVER_HTTP_HOST": "blog.example.org",
                     "SERVER_REMOTE_ADDR": row["ip"], "SERVER_HTTP_USER_AGENT": data["user_agent"]})
        for i in range(rng.randint(40, 300)):
            data[f"SERVER_HTTP_X_HEADER_{i}"] = f"value-{rng.randint(0, 10**6)}"
    return data


def encode(data: dict[str, str | list[str]]) -> str:
    return urllib.parse.urlencode(data, doseq=True)


def bodies(key: str, count: int, seed: int = 11, is_test: bool = False) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        data = form(rng, key, i)
        if is_test:
            data["is_test"] = "1"
        out.append(encode(data))
    return out
