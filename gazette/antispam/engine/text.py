"""Text normalisation, hashed word/character n-grams and script detection.

Features are hashed (stable across processes, unlike ``hash()``, whose string hashing is
randomised per interpreter) into ``2**HASH_BITS`` buckets, so the model never stores raw
text and its size is bounded: words, word n-grams and named tokens with CRC32, character
n-grams with a multiply-and-fold hash computed by numpy for every position at once.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zlib

import numpy as np

HASH_BITS = 20
HASH_MASK = (1 << HASH_BITS) - 1
# Character n-grams of the first MAX_CHARS characters are enough to judge a text and keep
# the cost of a check bounded for very long posts.
MAX_CHARS = 1500

_TAG_RE = re.compile(r"<[^>]{0,500}>")
_WS_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+|[^\w\s]+")

# Distinct CRC seeds per feature family keep a word and a char n-gram that happen to be
# the same string from colliding on purpose.
_SEED_WORD = 0x51A5
_SEED_BIGRAM = 0x2B1D
_SEED_CHAR = 0x7C3F
_SEED_TAG = 0x1E77
_SEED_SKIP = 0x3D09


def clean_text(raw: str) -> str:
    """Decode entities and drop markup and BOMs; keep case (the caller may need it)."""
    text = html.unescape(raw or "")
    text = text.replace("\ufeff", "").replace("\u200b", "")
    text = _TAG_RE.sub(" ", text)
    # NFKC folds full-width and styled letters that spammers use to dodge word filters.
    text = unicodedata.normalize("NFKC", text)
    return _WS_RE.sub(" ", text).strip()


def hash_token(token: str, seed: int = _SEED_TAG) -> int:
    """Stable bucket for a named token (used for author, domain and tag features)."""
    return zlib.crc32(token.encode("utf-8", "surrogatepass"), seed) & HASH_MASK


# Shapes that matter more than their exact value: a phone number, a short code, a price or
# an address differs in every spam message but is the same kind of token.
_SHAPE_RE = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|co\.uk|info|biz|ly|me)\b\S*)"
    r"|(?P<email>\b[\w.+-]+@[\w-]+\.[\w.]+)"
    r"|(?P<money>[£$€]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:p|ppm|pence|gbp|usd|eur)\b)"
    r"|(?P<num>\d(?:[\d \-.]{0,14}\d)?)"
)


def shape_tokens(low: str) -> list[str]:
    out: list[str] = []
    for m in _SHAPE_RE.finditer(low):
        kind = m.lastgroup
        if kind == "num":
            digits = sum(ch.isdigit() for ch in m.group())
            if digits >= 10:
                out.append("#phone")
            else:
                out.append(f"#num{min(digits, 6)}")
        else:
            out.append("#" + str(kind))
    return out


def text_features(
    clean: str,
    char_min: int = 2,
    char_max: int = 5,
    *,
    word_ngrams: int = 3,
    skip_window: int = 4,
    char_case: bool = True,
) -> set[int]:
    """Binary bag of hashed word n-grams, skip-bigrams, shape tokens and character n-grams.

    Word n-grams run up to ``word_ngrams`` words, padded with start and end marks.
    Skip-bigrams pair each word with those 2 to ``skip_window`` places later, one feature
    per gap, which catch a spam phrase with a word changed ("check out my channel" and
    "check out his channel" share "out _ channel" and "check _ _ channel"). A feature
    whatever the gap measured the same on both corpora but one more ham binned on SMS.
    Character n-grams run across word boundaries: punctuation runs, currency signs and
    digit patterns are telling in spam (measured better than word-bounded n-grams here).
    With ``char_case`` they keep the letters' case, so "FREE" and "free" differ: shouting
    is how much spam reads. Shape tokens stand for a kind of token whose exact value
    varies: phone numbers, numbers by length, prices, web and e-mail addresses.
    """
    low = clean.lower()
    crc = zlib.crc32
    mask = HASH_MASK
    feats: set[int] = set()
    words = [w.encode("utf-8", "surrogatepass") for w in _WORD_RE.findall(low)]
    feats.update([crc(w, _SEED_WORD) & mask for w in words])
    padded_words = [b"^", *words, b"$"] if words else []
    for n in range(2, word_ngrams + 1):
        seed = _SEED_BIGRAM + n - 2
        feats.update(
            [
                crc(b" ".join(padded_words[i : i + n]), seed) & mask
                for i in range(len(padded_words) - n + 1)
            ]
        )
    for gap in range(2, skip_window + 1):
        seed = _SEED_SKIP + gap
        pairs = zip(words, words[gap:], strict=False)  # the tail has ``gap`` fewer words
        feats.update([crc(a + b" " + b, seed) & mask for a, b in pairs])
    for t in shape_tokens(low):
        feats.add(crc(t.encode(), _SEED_WORD) & mask)
    chars = clean if char_case else low
    padded = (" " + chars[:MAX_CHARS] + " ").encode("utf-8", "surrogatepass")
    feats.update(char_ngram_buckets(padded, char_min, char_max).tolist())
    return feats


_CHAR_BASE = np.uint64(0xCBF29CE484222325)
_CHAR_MUL = np.uint64(0x9E3779B97F4A7C15)  # dense: FNV's sparse prime collided (char_model.py)
_CHAR_FOLD = np.uint64(29)
_CHAR_FINAL = np.uint64(0xBF58476D1CE4E5B9)
_CHAR_SHIFT = np.uint64(64 - HASH_BITS)


def char_ngram_buckets(data: bytes, n_min: int, n_max: int) -> np.ndarray:
    """Buckets of every byte n-gram of ``data``, ``n_min`` to ``n_max`` long.

    A multiply-and-fold hash over the bytes, all positions at once (numpy), then mixed
    with the length: a comment has hundreds of n-grams and hashing each in Python (CRC32)
    took a fifth of a check.
    """
    b = np.frombuffer(data, dtype=np.uint8).astype(np.uint64)
    size = len(b)
    h = np.full(size, _CHAR_BASE, dtype=np.uint64)
    out = []
    with np.errstate(over="ignore"):
        for n in range(1, n_max + 1):
            m = size - n + 1
            if m <= 0:
                break
            h = (h[:m] ^ b[n - 1 :]) * _CHAR_MUL
            h ^= h >> _CHAR_FOLD
            if n >= n_min:
                out.append(((h ^ np.uint64(_SEED_CHAR + n)) * _CHAR_FINAL) >> _CHAR_SHIFT)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint64)


# --- scripts ---------------------------------------------------------------------------

# (start, end, script) ranges; only scripts a moderator is likely to care about.
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0530, 0x058F, "armenian"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0980, 0x09FF, "bengali"),
    (0x0E00, 0x0E7F, "thai"),
    (0x10A0, 0x10FF, "georgian"),
    (0x1100, 0x11FF, "hangul"),
    (0x1E00, 0x1EFF, "latin"),
    (0x3040, 0x30FF, "kana"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xAC00, 0xD7AF, "hangul"),
    (0xF900, 0xFAFF, "han"),
)

# Which scripts are expected for a language code; unknown languages expect Latin.
_LANG_SCRIPTS: dict[str, frozenset[str]] = {
    "ru": frozenset({"cyrillic"}),
    "uk": frozenset({"cyrillic"}),
    "bg": frozenset({"cyrillic"}),
    "sr": frozenset({"cyrillic", "latin"}),
    "mk": frozenset({"cyrillic"}),
    "be": frozenset({"cyrillic"}),
    "kk": frozenset({"cyrillic"}),
    "el": frozenset({"greek"}),
    "he": frozenset({"hebrew"}),
    "yi": frozenset({"hebrew"}),
    "ar": frozenset({"arabic"}),
    "fa": frozenset({"arabic"}),
    "ur": frozenset({"arabic"}),
    "hi": frozenset({"devanagari"}),
    "mr": frozenset({"devanagari"}),
    "ne": frozenset({"devanagari"}),
    "bn": frozenset({"bengali"}),
    "th": frozenset({"thai"}),
    "ka": frozenset({"georgian"}),
    "hy": frozenset({"armenian"}),
    "ko": frozenset({"hangul", "han"}),
    "ja": frozenset({"kana", "han"}),
    "zh": frozenset({"han"}),
}


def _script_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    ranges: dict[str, list[str]] = {}
    for start, end, name in _SCRIPT_RANGES:
        if name != "latin":
            ranges.setdefault(name, []).append(f"\\U{start:08x}-\\U{end:08x}")
    return tuple((name, re.compile("[" + "".join(parts) + "]")) for name, parts in ranges.items())


_SCRIPT_PATTERNS = _script_patterns()
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")


def script_profile(text: str) -> dict[str, int]:
    """Letter counts per script (regexes keep this in C; a per-character loop is slow)."""
    counts: dict[str, int] = {}
    latin = len(_LATIN_RE.findall(text))
    if latin:
        counts["latin"] = latin
    if text.isascii():
        return counts
    for name, pat in _SCRIPT_PATTERNS:
        n = len(pat.findall(text))
        if n:
            counts[name] = n
    return counts


def expected_scripts(lang: str) -> frozenset[str]:
    """Scripts expected from a list like ``"en, fr_ca"`` (Latin when unknown or empty)."""
    out: set[str] = set()
    for part in re.split(r"[,\s;]+", lang or ""):
        code = part.strip().lower().replace("-", "_").split("_")[0]
        if not code:
            continue
        out |= _LANG_SCRIPTS.get(code, frozenset({"latin"}))
    return frozenset(out) if out else frozenset({"latin"})


def foreign_script_share(text: str, lang: str) -> tuple[float, str | None]:
    """Share of letters in scripts not expected for ``lang`` and the dominant such script."""
    prof = script_profile(text)
    total = sum(prof.values())
    if total == 0:
        return 0.0, None
    expected = expected_scripts(lang)
    foreign = {k: v for k, v in prof.items() if k not in expected}
    if not foreign:
        return 0.0, None
    top = max(sorted(foreign), key=lambda k: foreign[k])
    return sum(foreign.values()) / total, top
