"""Demo content that `manage.py load_demo` puts on a new site.

The lead story and the three popular posts come from the seed page in shared/seed/; the rest
are short original pieces so every section and tag page has something to show.
"""

from pathlib import Path

SEED_SLUG = "trump-meets-colombias-gustavo-petro-white-house"

SECTIONS = [
    ("World", "world", "Reporting from every region, with the context behind the headlines."),
    ("Politics", "politics", "Elections, governments and the people who run them."),
    ("Business", "business", "Markets, companies, regulation and the economy."),
    ("Technology", "technology", "How technology is built, used and governed."),
    ("Science", "science", "Research, climate, health and discovery."),
    ("Opinion", "opinion", "Analysis and argument from Lifescope News writers and editors."),
]


# The public profiles of the demo accounts that write: a bio, and the colours of a portrait.
AUTHORS = {
    "editor": {
        "bio": (
            "Maya Ortiz edits Lifescope News. She covered Latin America and world trade for ten "
            "years before joining the desk, and chooses the week's Global Highlight.\n\n"
            "Write to her through the comment form under any story."
        ),
        "palette": ("#f2d7a6", "#8a1c1c"),
    },
}


def _seed_body():
    return (Path(__file__).with_name("trump-petro-white-house.html")).read_text(encoding="utf-8")


def _paragraphs(*texts):
    return "\n".join(f"<p>{text}</p>" for text in texts)


STORIES = [
    {
        "slug": SEED_SLUG,
        "title": (
            "Trump Meets Colombia’s Gustavo Petro in High-Stakes White House Talks "
            "After Regional Tensions"
        ),
        "standfirst": (
            "After months of sanctions, accusations and threats, the two presidents met in "
            "Washington to talk security, counternarcotics and migration."
        ),
        "section": "world",
        "tags": ["Colombia", "United States", "Diplomacy", "Latin America"],
        "hours_ago": 3,
        "views": 2380,
        "featured": True,
        "body": _seed_body(),
        "palette": ("#16324f", "#c8a24a"),
        "alt": "Abstract illustration in navy and gold, the colours of a diplomatic summit.",
        "caption": (
            "The meeting follows months of strained relations between Washington and Bogotá."
        ),
        "seo": "Trump hosts Colombia's Gustavo Petro at the White House for talks on security, "
        "counternarcotics and migration after months of tension.",
    },
    {
        "slug": "our-first-global-highlight-why-lifescope-news-exists",
        "title": "Our First Global Highlight: Why Lifescope News Exists",
        "standfirst": "A note from the editors on what we cover, how we work and why we moderate "
        "every comment before it is published.",
        "section": "opinion",
        "tags": ["Lifescope", "Media"],
        "hours_ago": 24 * 40,
        "views": 5120,
        "body": _paragraphs(
            "Lifescope News began with a simple idea: the stories that shape the world deserve "
            "context, not just speed. Every week we choose one global highlight and follow it "
            "from the first report to what it means months later.",
            "We write for readers who want to understand, not only to know. That means short "
            "explainers beside the news, clear sourcing, and corrections shown at the end of "
            "the article they belong to.",
            "It also means a conversation worth joining. Every comment is read by a moderator "
            "before anyone else sees it. We would rather publish fewer comments than let a "
            "comment section drown out the people it is meant for.",
        ),
        "palette": ("#8a1c1c", "#f2b705"),
        "alt": "Abstract illustration in deep red and yellow, the Lifescope News colours.",
    },
    {
        "slug": "kamala-harris-out",
        "title": "Kamala Harris out",
        "standfirst": "The former vice-president says she will not run for governor of "
        "California, leaving the field open and her own next step unclear.",
        "section": "politics",
        "tags": ["United States", "Elections", "California"],
        "hours_ago": 24 * 12,
        "views": 4310,
        "body": _paragraphs(
            "Kamala Harris has ruled herself out of the race for governor of California, ending "
            "months of speculation about whether she would seek the office in her home state.",
            "In a statement she said she would not be a candidate and would instead keep "
            "working to support people and causes she cares about, without saying what that "
            "would look like.",
            "Her decision reshapes a crowded contest and keeps open the question that follows "
            "every former vice-president: whether she will seek national office again.",
        ),
        "palette": ("#23395d", "#b5c7e3"),
        "alt": "Abstract illustration in dark and pale blue.",
    },
    {
        "slug": "global-regulators-ramp-up-ai-oversight-in-finance",
        "title": "Global Regulators Ramp Up AI Oversight in Finance",
        "standfirst": "Supervisors want banks and insurers to explain the models that decide "
        "who gets credit, and to prove a human can still say no.",
        "section": "business",
        "tags": ["Artificial intelligence", "Regulation", "Banking"],
        "hours_ago": 24 * 6,
        "views": 3560,
        "body": _paragraphs(
            "Financial supervisors are asking sharper questions about artificial intelligence. "
            "Credit scoring, fraud detection and insurance pricing increasingly run on "
            "machine-learning models, and regulators want to know how those models reach "
            "their answers.",
            "The common thread is accountability: firms are expected to document their "
            "models, test them for bias, monitor them after launch and keep a person "
            "responsible for every automated decision that affects a customer.",
            "Industry groups warn that rules written country by country could fragment a "
            "global market. Supervisors reply that trust in the financial system depends on "
            "being able to explain a refusal to the person who was refused.",
        ),
        "palette": ("#0f4c45", "#9fd8cb"),
        "alt": "Abstract illustration in dark and light teal.",
    },
    {
        "slug": "explainer-colombias-peace-process",
        "title": "Explainer: Colombia’s Peace Process, Nearly a Decade On",
        "standfirst": "The 2016 agreement ended a half-century war with the FARC. Why is "
        "peace still so hard to finish?",
        "section": "world",
        "tags": ["Colombia", "Latin America", "Explainer"],
        "hours_ago": 20,
        "views": 1320,
        "body": _paragraphs(
            "Colombia’s 2016 peace agreement with the FARC guerrillas ended one of the world’s "
            "longest armed conflicts and won a Nobel Peace Prize for the president who signed it.",
            "Putting it into practice has been slower. Rural reform, protection for former "
            "fighters and social leaders, and the fight over territory left behind by the FARC "
            "have tested every government since.",
            "Gustavo Petro came to office promising “total peace”: talks with the armed groups "
            "that remain. Progress has been uneven, and security remains the first question "
            "his foreign partners ask.",
        ),
        "palette": ("#2f5d50", "#e9c46a"),
        "alt": "Abstract illustration in green and yellow.",
    },
    {
        "slug": "what-the-organization-of-american-states-does",
        "title": "What the Organization of American States Actually Does",
        "standfirst": "The oldest regional body in the world rarely makes headlines, until a "
        "crisis sends its members to the microphone.",
        "section": "politics",
        "tags": ["Latin America", "Diplomacy", "Explainer"],
        "hours_ago": 30,
        "views": 860,
        "body": _paragraphs(
            "The Organization of American States brings together the independent countries of "
            "the Americas. It watches elections, defends human rights through its commission "
            "and court, and gives governments a room in which to argue.",
            "It has no army and few ways to enforce its decisions. Its power lies in "
            "legitimacy: a resolution can isolate a government or give cover to a compromise.",
        ),
        "palette": ("#3d405b", "#f4f1de"),
        "alt": "Abstract illustration in slate blue and cream.",
    },
    {
        "slug": "how-undersea-cables-carry-the-internet",
        "title": "How Undersea Cables Carry the Internet",
        "standfirst": "Almost all the data that crosses an ocean travels through cables no "
        "thicker than a garden hose.",
        "section": "technology",
        "tags": ["Internet", "Infrastructure", "Explainer"],
        "hours_ago": 50,
        "views": 1940,
        "body": _paragraphs(
            "Satellites get the attention, but the internet crosses oceans on the seabed. "
            "Hundreds of fibre-optic cables link the continents, carrying light pulses over "
            "thousands of kilometres with repeaters along the way.",
            "Cables break more often than most people realise, usually because of anchors and "
            "fishing gear. Specialised ships repair them, lifting the damaged section to the "
            "surface and splicing in new fibre.",
            "Because so much depends on so few routes, governments now treat cable landing "
            "stations as critical infrastructure.",
        ),
        "palette": ("#05386b", "#5cdb95"),
        "alt": "Abstract illustration in ocean blue and green.",
    },
    {
        "slug": "passkeys-the-end-of-passwords",
        "title": "Passkeys: Is This the End of the Password?",
        "standfirst": "Phones and laptops can now sign you in with a fingerprint and a key "
        "that never leaves the device. Here is what changes.",
        "section": "technology",
        "tags": ["Security", "Internet"],
        "hours_ago": 75,
        "views": 1210,
        "body": _paragraphs(
            "A passkey replaces a password with a pair of cryptographic keys. The private key "
            "stays on your device; the website only ever sees the public half.",
            "That makes passkeys resistant to phishing: there is no secret to type into a fake "
            "page. Losing a device is the main risk, which is why most platforms sync passkeys "
            "through an account you already use.",
        ),
        "palette": ("#22223b", "#c9ada7"),
        "alt": "Abstract illustration in indigo and rose.",
    },
    {
        "slug": "why-coral-reefs-are-bleaching-more-often",
        "title": "Why Coral Reefs Are Bleaching More Often",
        "standfirst": "Warmer seas push corals to expel the algae that feed them. Scientists "
        "are racing to learn which reefs can recover.",
        "section": "science",
        "tags": ["Climate", "Oceans", "Explainer"],
        "hours_ago": 100,
        "views": 1650,
        "body": _paragraphs(
            "Corals live in partnership with tiny algae that give them colour and most of "
            "their food. When the water stays too warm for too long, the partnership breaks "
            "down and the coral turns white.",
            "A bleached reef is not yet dead, and many recover if temperatures fall in time. "
            "But repeated heatwaves leave less time to heal between events.",
            "Researchers are mapping which reefs survive best, and why, in the hope of "
            "protecting the places most likely to reseed the rest.",
        ),
        "palette": ("#006d77", "#ffddd2"),
        "alt": "Abstract illustration in turquoise and coral pink.",
    },
    {
        "slug": "the-search-for-earth-like-exoplanets",
        "title": "Inside the Search for Earth-like Planets",
        "standfirst": "Astronomers have found thousands of worlds around other stars. Finding "
        "one like ours is a harder problem.",
        "section": "science",
        "tags": ["Space", "Explainer"],
        "hours_ago": 130,
        "views": 990,
        "body": _paragraphs(
            "Most known exoplanets were found by the faint dimming of a star as a planet "
            "passes in front of it, or by the tiny wobble its gravity causes.",
            "Small, rocky planets at the right distance from their star are the hardest to "
            "see. The next step is to read their atmospheres, looking for the chemical "
            "signatures that life might leave.",
        ),
        "palette": ("#10002b", "#c77dff"),
        "alt": "Abstract illustration in midnight purple and violet.",
    },
    {
        "slug": "cities-learning-to-live-with-heatwaves",
        "title": "The Cities Learning to Live With Heatwaves",
        "standfirst": "Cool roofs, shaded streets and heat officers: how city halls are "
        "adapting to summers that keep breaking records.",
        "section": "world",
        "tags": ["Climate", "Cities"],
        "hours_ago": 160,
        "views": 1480,
        "body": _paragraphs(
            "Heat kills quietly, and mostly indoors. Cities have begun to treat it like any "
            "other disaster, with warning systems, cooling centres and plans for the most "
            "vulnerable residents.",
            "Longer-term changes are physical: lighter roofs and pavements that reflect "
            "sunlight, trees planted for shade, and buildings designed to stay cool without "
            "air conditioning.",
        ),
        "palette": ("#9d0208", "#ffba08"),
        "alt": "Abstract illustration in red and orange.",
    },
    {
        "slug": "container-shipping-rates-explained",
        "title": "Container Shipping Rates, Explained",
        "standfirst": "Why the cost of moving a box across the ocean can triple in a month, "
        "and what it means for prices in the shops.",
        "section": "business",
        "tags": ["Trade", "Explainer"],
        "hours_ago": 200,
        "views": 720,
        "body": _paragraphs(
            "Most goods travel in standard steel containers. The price of shipping one depends "
            "on how many ships are free, how busy the ports are and which routes are open.",
            "When a key route closes, ships sail longer ways round, fewer boxes move each week "
            "and rates jump. Retailers usually absorb some of the cost and pass on the rest.",
        ),
        "palette": ("#1d3557", "#e63946"),
        "alt": "Abstract illustration in navy and red.",
    },
]

# Shown to editors in the admin; readers never see these until they are published.
UNPUBLISHED_STORIES = [
    {
        "slug": "draft-latin-america-migration-talks",
        "title": "Draft: What Comes Next for Migration Talks in the Americas",
        "standfirst": "Working draft for the weekend edition.",
        "section": "world",
        "tags": ["Latin America", "Migration"],
        "status": "draft",
        "body": _paragraphs(
            "This draft is waiting for an editor. Readers cannot see it; editors can preview it "
            "from the admin."
        ),
    },
    {
        "slug": "scheduled-week-ahead-briefing",
        "title": "The Week Ahead: What to Watch",
        "standfirst": "Our Monday briefing on the stories that will shape the week.",
        "section": "opinion",
        "tags": ["Briefing"],
        "status": "published",
        "hours_ago": -48,
        "body": _paragraphs(
            "This briefing is scheduled: it appears on the site by itself when its publication "
            "time comes."
        ),
    },
]
