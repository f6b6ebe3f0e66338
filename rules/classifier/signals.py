"""The classifier's readable signals: cues such as "mentions a discount code", "asks the
reader a question" or "apologises", found with word lists and a few regular expressions, and
the words of a text as the model reads them.

The signals are what the editor is shown beside a suggestion, so each is a sentence.
"""

from __future__ import annotations

import re
import unicodedata
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
            "|special offer|limited offer|offering|introductory|fare sale|exclusive offer"
            "|offer|offers|flash sale|presale"
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
            # Real posts sell with availability and access more than with "buy now".
            "|available now|now available|available at|available today|available in|out now"
            "|grab the pass|grab your|get your|buy tickets|book tickets|tickets|presale"
            "|download free|download now|download the|free download|secure your spot"
            "|secure your place|secure your seat|book your place|book your spot|register here"
            "|register and|register today|shop the look|in stores now|in stores|on shelves"
            "|pre ordering|pre orders|try our|try it free|request a free|request a demo"
        ),
    ),
    _spec(
        "tune-in",
        "asks people to watch or listen (tonight on, stream, new episode)",
        terms=(
            "airs|airs tonight|premieres|premiere|season premiere|series premiere|tune in"
            "|watch it now|watch now|watch it on|watch live|stream|streaming|stream free"
            "|now streaming|listen now|listen to|all new|new episode|full episode|episode"
            "|catch up|on demand|only on|starts at|tonight at|tomorrow night|starts now"
            "|the show starts|on hulu|on netflix|on hbo|on freeform|on the app|our app|the app"
            "|download|podcast|don't miss"
        ),
        pattern=r"\b\d{1,2}(?::\d\d)?\s?(?:p|pm)?\s?[/|]\s?\d{1,2}c\b|\b\d{1,2}(?::\d\d)?\s?p\b",
        needles="c|p",
    ),
    _spec(
        "sponsored",
        "is marked as an ad or sponsored",
        terms="presented by|sponsored|sponsored by|paid partnership|brought to you by|promoted",
        pattern=r"#ad\b|\[ad\]|#sponsored\b|#partner\b",
        needles="#ad|[ad]|#sponsored|#partner",
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
        "contest",
        "runs a contest or a giveaway",
        terms=(
            "giveaway|giveaways|sweepstakes|contest|chance to win|could win"
            "|to win|win a|win an|win the|win one|win tickets|enter to win|how to enter"
            "|participate|prize|prizes|trivia|quiz|spot the difference|can you spot"
        ),
    ),
    _spec(
        "live-qa",
        "invites questions for a live Q&A or chat",
        terms=(
            "your questions|your q's|send in your|submit your questions|ask your questions"
            "|ask now|ask us|q a|live chat|twitter chat|tweet chat|ama|ask me anything"
            "|join the conversation|join the chat|answer your questions|answers your questions"
            "|answers your|send him your|send her your|send them your|post your questions"
        ),
        pattern=r"^\s*Q\d+\s*:",
        needles="q",
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
        "wishes-well",
        "wishes someone well (a birthday, good luck, a holiday)",
        terms=(
            "happy birthday|birthday|good luck|best of luck|all the best|wish you|wishing you"
            "|ramadan mubarak|eid mubarak|merry christmas|happy holidays|happy new year"
            "|happy thanksgiving|happy mother's day|happy father's day|get well"
        ),
    ),
    _spec(
        "compliments",
        "compliments someone or their photo",
        terms=(
            "love it|love this|love that|love all|looks great|look great|you look|so cute"
            "|beautiful|adorable|great picture|great photo|great shot|nicely done|well played"
            "|good dogs|good dog|stunning|you're welcome|very welcome|most welcome"
        ),
    ),
    _spec(
        "user-content",
        "shares a customer's or fan's photo or story",
        terms=(
            "repost|sent us|shared with permission|said we could|thanks for sharing"
            "|thanks for tagging|tag us|tagged us|tagging us|spotlight|of the month"
            "|student work|customer|customers|readers|fans|look what|this shot|sent this"
            "|featured|student|member spotlight|fan|your shot|yourshot|submission|submissions"
            "|submitted|photo by|shot by|captured|entry|regram|ig|hashtag project|winners"
        ),
    ),
    _spec(
        "mentions-account",
        "mentions another account (@handle)",
        pattern=r"(?<![\w.@])@[A-Za-z0-9_][\w.]*[A-Za-z0-9_]",
        needles="@",
    ),
    _spec(
        "reply",
        "answers someone directly (opens with their @handle)",
        pattern=r"\A\s*\.?@\w",
        needles="@",
    ),
    _spec(
        "retweet",
        "shares another account's post (RT)",
        pattern=r"\A\s*RT\s?@\w",
        needles="rt",
        case_sensitive=True,
    ),
    _spec(
        "fan-retweet",
        "shares a post someone addressed to us",
        pattern=r"\A\s*RT\s?@\w+:\s*\.?@\w",
        needles="rt",
    ),
    # Read from the other signals of a reply (see `_derived`).
    _spec("helps-someone", "answers someone's problem or question"),
    _spec("chats", "chats with someone (a reply that solves no problem)"),
    _spec("asks-back", "asks the person it answers a question"),
    _spec("plain-statement", "makes a plain statement (no cue for another category)"),
    _spec(
        "thread-part",
        "is part of a thread (2/, 1/3)",
        pattern=(
            r"\A\s*\d{1,2}\s?/\d{0,2}\s|\b\d/\d\s*(?:\^\w+\s*)?(?:https?://\S+\s*)?\Z"
            r"|\(\d/\d\)|\(a thread\)|🧵"
        ),
        needles="/|thread|🧵",
    ),
    _spec(
        "credits-source",
        "credits another source (via, h/t, from our partners)",
        terms="h t|hat tip|from our partners|from our partner|courtesy of|by our friends at",
        pattern=r"\(via\b|\bvia\s+@?[A-Z@]|\bvia\s?:",
        needles="via",
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
            "|ring us|helpline|dm|dms|direct message|send us a note|send us a dm|shoot us a dm"
            "|check your dms|customer service reps|answer desk|support page|help page"
        ),
        pattern=r"\d{3}[-.]\d{4}\b",
    ),
    _spec(
        "asks-details",
        "asks for details to look into a case",
        terms=(
            "your account|account number|order number|tracking|tracking number"
            "|confirmation number|record locator|reservation code|zip code|full name"
            "|email address|which version|what version|which device|what device|local store"
            "|when did you|did you receive|are you receiving|are you still|still seeing"
            "|still having|look into this|look into it|looking into|further assist|assist you"
            "|assist with|we'd like to help|would like to help|how can we help|can we help"
            "|happy to help|here to help|here for you|we're here|help has arrived|reaching out"
            "|reach out|tweet us|give us a shout|feel free|private secured"
        ),
    ),
    _spec(
        "closes-case",
        "closes a case (glad it's sorted)",
        terms=(
            "glad it's sorted|glad it is sorted|glad to hear|glad to learn|has been resolved"
            "|been resolved|is resolved|sorted for you|good news|that's great|enjoy the rest"
            "|pass on your feedback|pass your feedback|feed this back|added your comments"
            "|forward this request|pass this on"
        ),
    ),
    _spec(
        "signed",
        "is signed by a team member (^AB, -Name)",
        pattern=(
            r"(?:\^\s?[A-Za-z]{1,14}|(?<!\S)[-–=~/*]\s?[A-Z][A-Za-z]{1,14})\.?\s*"
            r"(?:\d(?:/\d)?)?\s*(?:https?://\S+\s*)?\Z"
        ),
        needles="^|*|/|-|–|=|~",
        case_sensitive=True,
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
            "|here's why|here's what|what to do|what you need to know|learn how|find out how"
            "|find out why|facts|fact|the science|explainer|dyk|signs|ways to|myths|recipe"
            "|recipes|avoid|prevent|healthiest|how long|how much"
        ),
        pattern=r"#\w*(?:tips?|guide|howto|hacks?|101)\b",
        needles="#",
    ),
    _spec(
        "listicle",
        "promises a list of tips or facts (5 ways, 11 signs)",
        pattern=(
            r"\b\d+\s+(?:[\w-]+\s+){0,2}(?:ways|signs|tips|things|reasons|myths|facts|foods"
            r"|exercises|steps|mistakes|secrets|habits|tricks|ideas|rules|lessons|benefits"
            r"|causes|swaps|remedies|enhancers|moves|questions|options)\b"
        ),
        needles=(
            "ways|signs|tips|things|reasons|myths|facts|foods|exercises|steps|mistakes|secrets"
            "|habits|tricks|ideas|rules|lessons|benefits|causes|swaps|remedies|enhancers|moves"
            "|questions|options"
        ),
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
            "|fascinating|sharing this|great piece|check out this|worth a look|read about"
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
            "|head of|new role|promoted|retires|retirement|roles|jobs|founder|signed|signing"
            "|signings|selected|transfer|set to leave|leave the club|can confirm|welcome to the"
            "|draft pick|contract extension|co founders"
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
            "|introducing|unveil|unveiled|unveils|coming soon|stay tuned|our cover|cover star"
            "|official|fixtures|season opener|record|historic|victory|we're live|live tweeting"
        ),
    ),
    _spec(
        "statement",
        "says what the company stands for (our mission, we believe)",
        terms=(
            "our mission|mission is|we believe|we stand|we support|stand with|we are committed"
            "|we're committed|committed to|our values|our commitment|our promise|our campaign"
            "|our purpose|made by|we make|we build|we're building"
        ),
    ),
    _spec(
        "results",
        "reports the company's results or figures",
        terms=(
            "revenue|revenues|earnings|quarter|quarterly|fiscal|results"
            "|shareholders|year over year|in sales|sales rose|sales grew|billion|million"
            "|record viewership|viewers|customers served|connected|digital sales|net sales"
            "|total sales|annual sales|comparable sales|same store sales|sales growth|grew"
            "|growth|year on year|on last year|closed the year|full year|first quarter"
            "|second quarter|third quarter|fourth quarter|shareholder|dividend|guidance"
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
_NUMBER = {spec.signal.id: n for n, spec in enumerate(_SPECS)}
_REPLY, _HELPS, _CHATS = _NUMBER["reply"], _NUMBER["helps-someone"], _NUMBER["chats"]
_ASKS_BACK, _PLAIN = _NUMBER["asks-back"], _NUMBER["plain-statement"]
_CARE_CUES = frozenset(
    _NUMBER[i]
    for i in (
        "apology",
        "support-route",
        "asks-details",
        "closes-case",
        "service-issue",
        "status-update",
        "remedy",
        "app-steps",
    )
)
_QUESTIONS = frozenset(
    _NUMBER[i]
    for i in ("reader-question", "opinion-question", "opens-with-question", "ends-with-question")
)
# Signals that say nothing about what a post does: a post with only these is a plain statement.
_NEUTRAL = frozenset(_NUMBER[i] for i in ("link", "mentions-account", "signed", "thread-part"))
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
# A code is a word in capitals or CamelCase after "code" ("code SPRING20", "code
# 'J6FB'", "code HealthTotalWellness"); "code of conduct" is not one.
_CODE = re.compile(
    r"(?i:\b(?:code|coupon|voucher))\s*:?\s*[\"'“‘]?[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*\b"
)
_CODE_WORDS = ("code", "coupon", "voucher")


def _offer_ids(text: str, lowered: str) -> list[str]:
    """The offer signals of a text: a price ($12, 12 €), a percentage off ("20% off", "save
    up to 15%"), money off ("$100 off", "save $40") and a discount code ("code SPRING20")."""
    found = []
    money = "$" in text or "€" in text or "£" in text or "¥" in text
    if money and any(not _is_figure(lowered, m) for m in _PRICE.finditer(lowered)):
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


# Money that is a figure, not a price: "$6 billion in digital sales", "will donate $10,000",
# "raised £2m". An earnings post or a charity total offers the reader nothing.
_FIGURE_AFTER = re.compile(r"[\d,.]*\s?(?:million|billion|trillion|bn|mn|m|k)\b|[\d,.]*\s+in\s")
_FIGURE_BEFORE = re.compile(
    r"(?:revenue|revenues|sales|earnings|profit|profits|income|donate|donated|donating"
    r"|donation|raised|raise|raising|funding|fund|invest|invested|investment|grant|worth"
    r"|valued|budget|paid|salary|wages|loss|losses|spent|spend|cost us)\b[^.!?$€£¥]{0,30}$"
)


def _is_figure(lowered: str, match: re.Match[str]) -> bool:
    """Whether a sum of money is a figure about the company rather than a price."""
    start, end = match.span()
    return bool(
        _FIGURE_AFTER.match(lowered, end)
        or _FIGURE_BEFORE.search(lowered, max(0, start - 60), start)
    )


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


_URL = re.compile(
    r"^\W*(?:https?://|www\.)|^\W*[a-z0-9-]+(?:\.[a-z0-9-]+)+/\S"
    r"|\w\.(?:com|org|net|io|co|edu|gov|app|dev|shop|tv|ly|me|uk)\b"
)
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


def normalise(text: str) -> str:
    """The text with compatibility characters folded (NFKC): the mathematical bold letters
    that posts use for emphasis ("𝗪𝗵𝗲𝗿𝗲") read as plain letters, full-width digits as
    digits."""
    if text.isascii():
        return text
    # Typographic apostrophes read as "'" (NFKC would turn "´" into a space and an accent).
    return unicodedata.normalize("NFKC", text.translate(_APOSTROPHES))


def words_of(text: str) -> list[str]:
    """The words of a text as the model reads them: lowercased, links, emails and @handles
    taken out (so a link's domain never decides a category), every number as "0" ("0th"
    for ordinals)."""
    return _read(normalise(text))[1]


def read(text: str) -> tuple[tuple[Signal, ...], list[str]]:
    """The signals (in catalogue order) and the words of a text."""
    text = normalise(text)
    lowered, words, found = _read(text)
    return tuple(_SPECS[n].signal for n in sorted(_hits(text, lowered, words, found))), words


def _read(text: str) -> tuple[str, list[str], set[int]]:
    """(lowercased text, words, signals found on the way: links, shop links, emails), of a
    normalised text."""
    lowered = text.lower()
    clean = lowered
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
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "ʼ": "'"})
# What every email address and every link `_URL` finds contains.
_LINK_MARKERS = ("@", "http", "www.", "/", ".co", ".org", ".net", ".io", ".edu", ".gov", ".app")
_LINK_MARKERS += (".dev", ".shop", ".tv", ".ly", ".me", ".uk")


def signals_of(text: str) -> tuple[Signal, ...]:
    """The signals a text shows, in catalogue order."""
    return read(text)[0]


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
    _derived(hits)
    return hits


def _derived(hits: set[int]) -> None:
    """Signals read from the others. A reply (a post opening with @someone) answers one
    person: with a care cue it helps them, without one it chats; its questions are asked of
    that person, not of the audience. A text with no cue at all is a plain statement, which
    on a brand's channel is about the brand, never an invitation to talk."""
    if _REPLY in hits:
        hits.add(_HELPS if not hits.isdisjoint(_CARE_CUES) else _CHATS)
        if not hits.isdisjoint(_QUESTIONS):
            hits.difference_update(_QUESTIONS)
            hits.add(_ASKS_BACK)
    elif hits.issubset(_NEUTRAL):
        hits.add(_PLAIN)


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
    text = normalise(text)
    return tuple(SIGNALS[i] for i in _offer_ids(text, text.lower()))


def features_of(text: str) -> tuple[list[str], tuple[Signal, ...]]:
    """The model's features (signal ids as "s:<id>", words as "w:<word>") and the signals."""
    signals, words = read(text)
    names = [f"s:{s.id}" for s in signals]
    names.extend(f"w:{w}" for w in dict.fromkeys(words))
    return names, signals
