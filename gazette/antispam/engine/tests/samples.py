from pathlib import Path

"""Short comments, written for these tests, that every spam-defence test shares."""

HAM_TEXTS = [
    "I enjoyed this article about the council budget, thanks for the detail.",
    "The photo of the harbour at dawn is lovely. Who took it?",
    "I disagree with the conclusion; the bus figures were from 2019.",
    "Great interview, the mayor dodged the housing question though.",
    "Could you publish the full report you quote in the third paragraph?",
    "My street flooded too last week, the drains are never cleaned.",
    "Thanks for covering the school concert, our kids loved it.",
    "Is the new cycle lane going to reach the station next year?",
]
SPAM_TEXTS = [
    "Cheap pills online buy now best price free shipping click here",
    "Earn money from home fast, click here to win cash prizes now",
    "Buy cheap followers and likes, best price guaranteed, click now",
    "Win a free iphone now, click here and claim your prize today",
    "Best casino bonus, free spins, win money now, click here",
    "Cheap replica watches online, buy now with discount, click here",
]


def write_sample_csv(path: Path) -> Path:
    """A small labelled corpus in the shared corpora's CSV shape, for the eval's tests."""
    lines = ["text,label,author,email,url,ip,created"]
    for i in range(10):
        for t in HAM_TEXTS:
            lines.append(f'"{t} #{i}",ham,reader{i},r{i}@example.org,,198.51.100.{i},{1000 + i}')
        for t in SPAM_TEXTS:
            lines.append(f'"{t} #{i}",spam,bot,b@mailinator.com,http://bit.ly/x,203.0.113.{i},')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
