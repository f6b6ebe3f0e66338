"""The classifier's readable signals: cues such as "mentions a discount code", "asks the
reader a question" or "apologises", found with word lists and a few regular expressions, and
the words of a text as the model reads them.

The signals are what the editor is shown beside a suggestion, so each is a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signal:
    """One readable cue. `offer` marks cues that make an offer (price, discount, code, free
    gift, bundle): the disguised-promotion rule needs one of them."""

    id: str
    label: str
    offer: bool = False


@dataclass(frozen=True)
class _Spec:
    signal: Signal
    terms: tuple[str, ...]
    starts: frozenset[str]
    pattern: re.Pattern[str] | None
    needles: tuple[str, ...]


def _spec(
    id: str,
    label: str,
    *,
    terms: str = "",
    starts: str = "",
    pattern: str | None = None,
    needles: str = "",
    offer: bool = False,
    case_sensitive: bool = False,
) -> _Spec:
    """A signal and how to find it.

    - `terms`: "|"-separated words or phrases matched on whole words of the lowercased text,
      where every number reads as "0" ("turns 0" matches "turns 25").
    - `starts`: "|"-separated words that count when they open a sentence or a list item.
    - `pattern`: a regular expression on the raw text, tried only when one of the
      "|"-separated `needles` occurs in the lowercased text (always, without needles).
    """
    return _Spec(
        Signal(id, label, offer),
        tuple(t for t in terms.split("|") if t),
        frozenset(t for t in starts.split("|") if t),
        re.compile(pattern, (0 if case_sensitive else re.IGNORECASE) | re.MULTILINE)
        if pattern
        else None,
        tuple(n for n in needles.split("|") if n),
    )


def _alternatives(words: str, *nexts: str) -> str:
    """Every "word next" phrase, "|"-separated: _alternatives("until|by", "friday") is
    "until friday|by friday"."""
    return "|".join(f"{w} {n}" for w in words.split("|") for n in nexts)


_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|midnight|tonight"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"

_SPECS: tuple[_Spec, ...] = (
    # Offers: a price, a price cut or a code; found by `_offer_ids` (see there).
    _spec("price", "mentions a price", offer=True),
    _spec("percent-off", "gives a percentage off", offer=True),
    _spec("money-off", "takes money off a price", offer=True),
    _spec("discount-code", "mentions a discount code", offer=True),
    # Other selling cues.
    _spec(
        "price-words",
        "mentions a price in words or per month",
        pattern=r"\d\s?(?:usd|eur|gbp)\b|\d\s(?:dollars|euros)\b|/mo\b|\bper month\b",
        needles="usd|eur|gbp|dollars|euros|/mo|per month",
    ),
    _spec(
        "bundle-deal",
        "offers a bundle deal (buy one, get one)",
        pattern=(
            r"\bbuy (?:one|two|three|\d+)\b[^.!?]{0,40}\bget\b|\b(?:\d+|two|three) for [$€£]\s?\d"
            r"|\bpay for (?:\d+|one|two)\b|\bhalf price\b|\b(?:2|two)-for-(?:1|one)\b|\bbogo\b"
        ),
        needles="buy|for $|for €|for £|pay for|half price|-for-|bogo",
    ),
    _spec(
        "free-offer",
        "gives something away free with a purchase",
        terms=(
            _alternatives(
                "free",
                "trial",
                "trials",
                "shipping",
                "delivery",
                "gift",
                "pickup",
                "upgrade",
                "consultation",
                "assessment",
                "quote",
                "week",
                "month",
                "night",
                "sample",
                "entry",
                "class",
                "lesson",
            )
            + "|0 day free|first week free|first month free|first lesson free|first class free"
            "|first night free|at no extra cost|at no cost|no joining fee|no setup fee"
            "|no sign up fee|no signup fee|no booking fee|waive|waived|waiving"
        ),
        pattern=r"\b(?:is|are) on us\b|\bon the house\b",
        needles="free|cost|fee|waiv|on us|on the house",
    ),
    _spec(
        "sale-wording",
        "uses sale wording (sale, deal, discount)",
        terms=(
            "sale|clearance|deal|deals|discount|discounts|discounted|bargain|promo|coupon"
            "|special offer|limited offer|offering|introductory|fare sale"
        ),
    ),
    _spec(
        "buy-call",
        "has a hard call to buy or book",
        terms=(
            "shop now|shop the|shop our|shop online|buy now|buy online|buy yours|order now"
            "|order yours|order online|order today|pre order|preorder|book now|book your"
            "|book online|book through|book by|book direct|book any|booking direct|reserve your"
            "|reservations are open|sign up|signup|register now|registration is open"
            "|get a quote|get yours|grab yours|grab them|grab one|claim your|start a free"
            "|start your free|open an account|join online|join now|join today|join at"
            "|subscribe now|add to cart|get tickets|get your tickets|switch to"
            "|tickets are on sale|on sale now|in the shop now|shop the collection"
        ),
    ),
    _spec(
        "urgency",
        "creates urgency (ends soon, only a few left)",
        terms=(
            "this week only|this weekend only|this month only|today only|while stocks last"
            "|while stock lasts|while supplies last|while they last|last chance|limited time"
            "|limited edition|limited to|don't miss|hurry|ends soon|go fast|they go fast"
            "|selling fast|early bird|early registration|book early|0 hour|for the next 0"
            "|only 0 spots|only 0 places|only 0 seats|only 0 left|just 0 left"
            f"|{_alternatives('until|through|thru|ends|end|before|by', *_DAYS.split('|'))}"
            f"|{_alternatives('until|through|thru|ends|before|by', *_MONTHS.split('|'))}"
            f"|{_alternatives('until the end of|through the end of', *_MONTHS.split('|'))}"
        ),
    ),
    _spec(
        "launch",
        "announces a product or a launch",
        terms=(
            "is back|are back|now available|out now|available now|new collection|new line"
            "|launches|launching|just dropped|is here|in stock|back in stock|new menu"
            "|new flavour|limited batch|collection|pre order"
        ),
    ),
    _spec("shop-link", "links to a shop, booking or sign-up page"),
    # Conversation starters.
    _spec("reader-question", "asks the reader a question"),
    _spec(
        "opinion-question",
        "asks for the reader's opinion or story",
        terms=(
            "what's your|what is your|which one|would you|do you|have you ever|how do you"
            "|how many|what would|if you could|what's the|what was the|where do you"
            "|who's your|favourite|favorite|tell us|we'd love to hear|genuine question"
            "|question for|what's something|what made you"
        ),
    ),
    _spec("opens-with-question", "opens with a question"),
    _spec("ends-with-question", "ends with a question"),
    _spec(
        "poll",
        "runs a poll or a vote",
        terms="poll|polls|vote|votes|voting|this or that|thisorthat|majority wins",
    ),
    _spec(
        "prompt",
        "sets the audience a game (caption this, fill in the blank, name it)",
        terms=(
            "caption this|captionthis|fill in the blank|finish the sentence|name our"
            "|help us name|name this|name it|needs a name|wrong answers only|unpopular opinion"
            "|be honest|we'll start|we'll go first|go first|tag someone|tag a friend"
            "|tag the person|choose wisely|top that|best caption|best suggestion|best name"
        ),
        pattern=r"_{3,}",
        needles="___",
    ),
    _spec(
        "invites-replies",
        "invites replies in the comments",
        terms=(
            "in the comments|comments are open|comment your|drop your|drop it|drop them"
            "|tell us|share your|let us know|reply with|below|comment below|your answers"
            "|your pick|your story"
        ),
        pattern="👇",
        needles="👇",
    ),
    # Community.
    _spec(
        "thanks",
        "thanks someone",
        terms=(
            "thank|thanks|thankful|grateful|gratitude|shout out|shoutout|kudos|hats off|big thanks"
        ),
    ),
    _spec(
        "congratulates",
        "congratulates or celebrates someone",
        terms=(
            "congratulations|congrats|happy birthday|well done|so proud|proud of|way to go|proud"
        ),
    ),
    _spec(
        "user-content",
        "shares a customer's or fan's photo or story",
        terms=(
            "repost|sent us|shared with permission|said we could|thanks for sharing"
            "|thanks for tagging|tag us|tagged us|tagging us|spotlight|of the month"
            "|student work|customer|customers|readers|fans|look what|this shot|sent this"
            "|featured|student|member spotlight"
        ),
    ),
    _spec(
        "mentions-account",
        "mentions another account (@handle)",
        pattern=r"(?<![\w.@])@[A-Za-z0-9_][\w.]*[A-Za-z0-9_]",
        needles="@",
    ),
    _spec(
        "gives-back",
        "gives back (volunteering, charity)",
        terms=(
            "volunteer|volunteers|volunteering|volunteered|charity|charities|donated|donation"
            "|donations|food bank|food banks|beach clean|fundraiser|raised"
        ),
    ),
    _spec(
        "followers-milestone",
        "celebrates a number of followers",
        terms="0 followers|0 subscribers|0k followers",
    ),
    # Care.
    _spec(
        "apology",
        "apologises",
        terms=(
            "sorry|apologise|apologize|apologies|apology|apologising|apologizing|regret"
            "|inconvenience|for the wait|thank you for your patience"
        ),
    ),
    _spec(
        "support-route",
        "routes to support (message, email or phone)",
        terms=(
            "dm us|dm me|message us|send us a message|reply here|contact us|call us|email us"
            "|get in touch|customer service|support team|please dm|please email|phone us"
            "|ring us|helpline"
        ),
        pattern=r"\d{3}[-.]\d{4}\b",
    ),
    _spec(
        "service-issue",
        "reports a problem or a service status",
        terms=(
            "outage|are down|is down|lines are down|went down|not working|fault|failure"
            "|failed|fail|error|errors|issue|issues|problem|problems|investigating"
            "|known issue|hotfix|broke|broken|disruption|disrupted|delay|delayed|delays"
            "|running late|behind on|days behind|days late|out of service|closed today"
            "|closed for|cancel|cancelled|canceled|strike|unaffected|affected|restored"
            "|working normally|working on it|withdrawn|recall|unplanned|loss of service"
            "|damaged"
        ),
    ),
    _spec(
        "status-update",
        "promises an update",
        terms=(
            "update|updates|we'll update|will post here|we'll post here|heads up|please note"
            "|notice|until further notice|as soon as|estimated fix|back open|reopen|live status"
            "|status|we'll let you know|we're aware|within the hour"
        ),
    ),
    _spec(
        "remedy",
        "offers a fix, refund or replacement",
        terms=(
            "refund|refunded|refunds|replacement|replace|replaced|remake|remaking"
            "|free of charge|credit|make it right|no questions asked|compensation|reschedule"
            "|we'll help|we'll sort it"
        ),
    ),
    _spec(
        "app-steps",
        "walks through steps in an app or account",
        terms=(
            "tap|settings|log in|login|sign in|click|portal|re authorise|re-authorise"
            "|the app|app version|reinstall|restart"
        ),
    ),
    # Value: our own teaching.
    _spec(
        "tip",
        "shares a tip or a how-to",
        terms=(
            "tip|tips|how to|trick|hack|cheat sheet|checklist|guide|explained|rule of thumb"
            "|here's how|step by step|pro tip|did you know|myth|why does|why do|why did"
            "|what is|what was|the difference|worth a screenshot|save this|the secret"
        ),
        pattern=r"#\w*(?:tips?|guide|howto|hacks?|101)\b",
        needles="#",
    ),
    _spec(
        "explains",
        "explains why or how something works",
        terms=(
            "because|that's why|which is why|this is why|the reason|in other words|so that"
            "|that means|means|explained|why"
        ),
    ),
    _spec(
        "instructions",
        "gives instructions",
        starts=(
            "keep|use|wait|check|try|start|store|avoid|don't|never|always|put|set|trim|rinse"
            "|peel|mix|count|look|open|close|wash|roll|dry|apply|add|make|take|find|bake"
            "|cover|press|type|choose|stir|brush|soak|let|remember|skip|turn|slice|wear|pack"
            "|watch|write|drain|shake"
        ),
    ),
    _spec(
        "measurements",
        "gives measurements or quantities",
        terms=_alternatives(
            "0",
            *(
                "g|kg|mg|ml|l|c|f|cm|mm|km|minutes|mins|min|seconds|secs|kw|kwh|psi|feet|ft"
                "|inches|oz|lbs|lb|litres|liters|metres|meters"
            ).split("|"),
        ),
    ),
    _spec(
        "list-layout",
        "is laid out as a list",
        pattern=r"^\s*(?:[•\-–→*]|\d+[.)])\s+\S",
        needles="\n",
    ),
    # Value: other people's work.
    _spec(
        "cites-source",
        "cites an outside study, report or article",
        terms=(
            "report|reports|study|survey|research|researchers|essay|article|paper|journal"
            "|analysis|interview|podcast|talk|piece|series|findings|long read|photo essay"
            "|according to|published|guidance|new data|summary|coverage"
        ),
    ),
    _spec(
        "recommends",
        "recommends reading, watching or following someone",
        terms=(
            "worth a read|worth reading|worth your time|well worth|read more|great read"
            "|a great read|long read|must read|best thing we've|go follow|check out"
            "|highly recommend|recommend|lovely piece|well spent|head to|really enjoyed"
            "|fascinating|sharing this|via"
        ),
    ),
    _spec(
        "institution",
        "names an outside organisation",
        pattern=(
            r"(?:[A-Z][\w'’&-]*\s+){1,6}(?:Institute|Society|Council|Commission|Board"
            r"|Journal|Association|Consortium|Group|University|Service|Regulator"
            r"|Observatory|Agency|Foundation|Gazette|Times|Magazine|Review|Department"
            r"|Ministry|Bureau|Authority|Cooperative|Federation|Survey|Trust)\b"
        ),
        needles=(
            "institute|society|council|commission|board|journal|association|consortium"
            "|group|university|service|regulator|observatory|agency|foundation|gazette|times"
            "|magazine|review|department|ministry|bureau|authority|cooperative|federation"
            "|survey|trust"
        ),
        case_sensitive=True,
    ),
    _spec(
        "names-expert",
        "names an expert or a creator",
        terms=(
            "dr|prof|professor|historian|biologist|scientist|scientists|researcher|writer"
            "|author|journalist|designer|archaeologist|economist|experts|expert"
        ),
    ),
    _spec("link", "has a link"),
    _spec(
        "link-in-bio",
        "points to the link in the profile",
        terms="link in bio|link in our bio|linked in bio|in our stories|link in profile",
    ),
    # Self: news about us.
    _spec(
        "milestone",
        "marks a milestone or an anniversary",
        terms=(
            "anniversary|milestone|years ago|turns|turned|birthday|celebrating|years running"
            "|consecutive year|first ever|since day one|here's to|turns 0|turned 0|is 0 today"
            "|0 years|since 0|0th"
        ),
    ),
    _spec(
        "award",
        "mentions an award, a rating or a certification",
        terms=(
            "award|awarded|awards|winner|won|wins|gold|silver|bronze|named best|readers' choice"
            "|rated|rating|certified|certification|accredited|accreditation|recognised"
            "|recognized|finalist|shortlisted"
        ),
    ),
    _spec(
        "team-news",
        "is about hiring or the team",
        terms=(
            "hiring|we're hiring|join the team|join our team|careers|vacancy|vacancies"
            "|looking for a|welcome to the team|joins|joined the team|steps up|appointed|ceo"
            "|head of|new role|promoted|retires|retirement|roles|jobs|founder"
        ),
    ),
    _spec(
        "company-news",
        "announces news about the company",
        terms=(
            "big news|announce|announcing|announcement|excited to share|proud to share"
            "|thrilled to|we're moving|is moving|moving to|new home|new location|location"
            "|opening|expanding|expansion|merger|merged|acquired|acquisition|partnership"
            "|partnered|funded|investors|funding|has completed|completed|has finished"
            "|switched|renovation|officially|as of this month|from now on|now serves|will close"
        ),
    ),
    _spec(
        "behind-the-scenes",
        "shows behind the scenes",
        terms=(
            "behind the scenes|behindthescenes|behind the|our team|our crew|morning shift"
            "|in the studio|a look|a little look|meet our|meet the|day in the life|by hand"
            "|the team|our people"
        ),
    ),
)

SIGNALS: dict[str, Signal] = {spec.signal.id: spec.signal for spec in _SPECS}
OFFER_SIGNALS = frozenset(s.id for s in SIGNALS.values() if s.offer)

# Single words point straight at their signals; phrases are indexed by their first word, so a
# text only tries the phrases whose first word it contains.
_WORD_INDEX: dict[str, list[int]] = {}
_PHRASE_INDEX: dict[str, list[tuple[int, str]]] = {}
_START_INDEX: dict[str, list[int]] = {}
for _number, _each in enumerate(_SPECS):
    for _term in _each.terms:
        _first, _, _rest = _term.partition(" ")
        if _rest:
            _PHRASE_INDEX.setdefault(_first, []).append((_number, f" {_term} "))
        else:
            _WORD_INDEX.setdefault(_term, []).append(_number)
    for _word in _each.starts:
        _START_INDEX.setdefault(_word, []).append(_number)
_INDEX: dict[str, tuple[tuple[int, ...], tuple[tuple[int, str], ...]]] = {
    word: (tuple(_WORD_INDEX.get(word, ())), tuple(_PHRASE_INDEX.get(word, ())))
    for word in {*_WORD_INDEX, *_PHRASE_INDEX}
}
_INDEXED = frozenset(_INDEX)
_PATTERNS = tuple((n, s.pattern, s.needles) for n, s in enumerate(_SPECS) if s.pattern)
_NUMBER = {spec.signal.id: n for n, spec in enumerate(_SPECS)}

for _offer_spec in _SPECS:
    if _offer_spec.signal.offer and (_offer_spec.terms or _offer_spec.pattern):
        raise RuntimeError(f"offer signal {_offer_spec.signal.id} is found by _offer_ids only")

# Offers, read around the few characters they cannot do without: a currency sign, a percent
# sign, or the word code, coupon or voucher.
_PRICE = re.compile(r"[$€£¥]\s?\d|\d\s?[€£]")
_PERCENT = re.compile(r"\d\s?%")
_PERCENT_AFTER = re.compile(r"\s*(?:off|discount|cheaper|less)\b")
_PERCENT_BEFORE = re.compile(
    r"(?:save|saving|savings of|discount of|extra|further)\s+(?:up to\s+)?"
    r"(?:an extra\s+|a further\s+)?[\d.,]*\d$"
)
_MONEY = re.compile(r"[$€£]\s?\d[\d,.]*")
_MONEY_AFTER = re.compile(r"\s+off\b")
_MONEY_BEFORE = re.compile(r"(?:\bsave\s+(?:up to\s+)?|\(save )$")
_CODE = re.compile(r"(?i:\b(?:code|coupon|voucher))\s*:?\s*[\"'“]?[A-Z][A-Z0-9]{3,}\b")
_CODE_WORDS = ("code", "coupon", "voucher")


def _offer_ids(text: str, lowered: str) -> list[str]:
    """The offer signals of a text: a price ($12, 12 €), a percentage off ("20% off", "save
    up to 15%"), money off ("$100 off", "save $40") and a discount code ("code SPRING20")."""
    found = []
    money = "$" in text or "€" in text or "£" in text or "¥" in text
    if money and _PRICE.search(text):
        found.append("price")
    if "%" in text:
        for match in _PERCENT.finditer(lowered):
            start, end = match.span()
            if _PERCENT_AFTER.match(lowered, end) or _PERCENT_BEFORE.search(
                lowered, max(0, start - 40), start + 1
            ):
                found.append("percent-off")
                break
    if money:
        for match in _MONEY.finditer(lowered):
            start, end = match.span()
            if _MONEY_AFTER.match(lowered, end) or _MONEY_BEFORE.search(
                lowered, max(0, start - 14), start
            ):
                found.append("money-off")
                break
    if any(word in lowered for word in _CODE_WORDS) and _CODE.search(text):
        found.append("discount-code")
    return found


def offer_candidates(texts: Sequence[str]) -> list[int]:
    """The positions of the texts with a currency sign or a percent sign: the cheap first pass
    of the disguised-promotion rule, which reads every post of a plan."""
    return [
        index
        for index, text in enumerate(texts)
        if "$" in text
        or "%" in text
        # €, £ and ¥ are not ASCII, and isascii() costs nothing.
        or (not text.isascii() and ("€" in text or "£" in text or "¥" in text))
    ]


_URL = re.compile(r"^\W*(?:https?://|www\.)|\w\.(?:com|org|net|io|co|edu|gov|app|dev|shop)\b")
_SHOP_PATH = re.compile(
    r"/\S*(?:shop|store|sale|deal|ticket|book|join|trial|quote|offer|buy|order|checkout"
    r"|pricing|subscribe|sign-?up|register|promo|reserv)"
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_BREAK = re.compile(r"([.!?:;→•\n])")
_HASHTAG = re.compile(r"#[\w-]+")
_YOU = frozenset({"you", "your", "you've", "you'd", "you're", "yours", "anyone", "everyone"})
_ASKING = frozenset(
    {"what", "what's", "which", "who", "who's", "how", "where", "when", "would", "if", "do"}
)


def words_of(text: str) -> list[str]:
    """The words of a text as the model reads them: lowercased, links, emails and @handles
    taken out (so a link's domain never decides a category), every number as "0" ("0th"
    for ordinals)."""
    return _read(text)[1]


def _read(text: str) -> tuple[str, list[str], set[int]]:
    """(lowercased text, words, signals found on the way: links, shop links, emails)."""
    lowered = text.lower()
    clean = lowered.replace("’", "'") if "’" in lowered else lowered
    hits: set[int] = set()
    if any(marker in clean for marker in _LINK_MARKERS):
        kept = []
        for token in clean.split():
            if "@" in token:
                local, _, domain = token.partition("@")
                if local.strip("(\"'") and "." in domain.rstrip(".,;:!?)"):
                    hits.add(_NUMBER["support-route"])  # an email address
                continue
            if ("." in token or "/" in token) and _URL.search(token):
                hits.add(_NUMBER["link"])
                if _SHOP_PATH.search(token):
                    hits.add(_NUMBER["shop-link"])
                continue
            kept.append(token)
        clean = " ".join(kept)
    words = [
        w if w[0] > "9" else ("0th" if w[-2:] in _ORDINAL_ENDS else "0")
        for w in _WORD.findall(clean)
    ]
    return lowered, words, hits


_ORDINAL_ENDS = frozenset({"st", "nd", "rd", "th"})
# What every email address and every link `_URL` finds contains.
_LINK_MARKERS = ("@", "http", "www.", ".co", ".org", ".net", ".io", ".edu", ".gov", ".app")
_LINK_MARKERS += (".dev", ".shop")


def signals_of(text: str) -> tuple[Signal, ...]:
    """The signals a text shows, in catalogue order."""
    lowered, words, found = _read(text)
    return tuple(_SPECS[n].signal for n in sorted(_hits(text, lowered, words, found)))


def _hits(text: str, lowered: str, words: Sequence[str], hits: set[int]) -> set[int]:
    padded = ""
    for word in _INDEXED.intersection(words):
        found, phrases = _INDEX[word]
        hits.update(found)
        if phrases:
            if not padded:
                padded = f" {' '.join(words)} "
            for number, phrase in phrases:
                if number not in hits and phrase in padded:
                    hits.add(number)
    for number, pattern, needles in _PATTERNS:
        if number in hits or (needles and not any(map(lowered.__contains__, needles))):
            continue
        if pattern.search(text):
            hits.add(number)
    hits.update(_NUMBER[signal] for signal in _offer_ids(text, lowered))
    _sentence_hits(text, lowered, hits)
    return hits


def _sentence_hits(text: str, lowered: str, hits: set[int]) -> None:
    """Signals read from sentences: instructions (an imperative opening a sentence or a list
    item) and the question signals."""
    parts = _BREAK.split(lowered.replace("’", "'"))
    opened = False
    for index in range(0, len(parts), 2):
        first = _WORD.search(parts[index])
        if first is None:
            continue
        starts = _START_INDEX.get(first.group())
        if starts:
            hits.update(starts)
        ends = parts[index + 1] if index + 1 < len(parts) else ""
        if ends == "?":
            sentence = set(_WORD.findall(parts[index]))
            if not opened:
                hits.add(_NUMBER["opens-with-question"])
            if not sentence.isdisjoint(_YOU):
                hits.add(_NUMBER["reader-question"])
            if first.group() in _ASKING:
                hits.add(_NUMBER["opinion-question"])
        opened = True
    last = text.rfind("?")
    if last >= 0 and not any(c.isalnum() for c in _HASHTAG.sub("", text[last + 1 :])):
        hits.add(_NUMBER["ends-with-question"])


def offers_in(text: str) -> tuple[Signal, ...]:
    """The offer signals of a text (price, percentage off, money off, discount code): the
    same as `signals_of` finds, without reading the rest of the text."""
    return tuple(SIGNALS[i] for i in _offer_ids(text, text.lower()))


def features_of(text: str) -> tuple[list[str], tuple[Signal, ...]]:
    """The model's features (signal ids as "s:<id>", words as "w:<word>") and the signals."""
    lowered, words, found = _read(text)
    signals = tuple(_SPECS[n].signal for n in sorted(_hits(text, lowered, words, found)))
    names = [f"s:{s.id}" for s in signals]
    names.extend(f"w:{w}" for w in dict.fromkeys(words))
    return names, signals
