"""The bundled WebShop catalogue: a seeded generator that writes WebShop's own file formats.

The real WebShop data is scraped Amazon content without a data licence, so it is never shipped.
Instead this module generates a catalogue with the same shape, in the same three JSON formats the
original loader reads (one loader serves both, :mod:`archer_gym.webshop.catalog`):

- ``items_shuffle_synth.json.gz``: the product list (``asin``, ``name``, ``full_description``,
  ``small_description``, ``pricing``, ``images``, ``customization_options``, ``category``,
  ``query``, ``product_category``), plus ``type_nouns``: the nouns of the title, known by
  construction, so the reward's type check needs no part-of-speech tagger (real data has no such
  key and falls back to :mod:`archer_gym.webshop.nouns`);
- ``items_ins_v2_synth.json.gz``: ``asin -> {attributes, instruction, instruction_attributes}``;
- ``items_human_ins_synth.json.gz``: ``asin -> [{instruction, instruction_attributes,
  instruction_options, ...}]``, the instructions goals are built from.

Shape: WebShop's five categories, 14 product types each (the scrape ``query``), breadcrumbs of
three or more levels joined by `` › ``; titles made of brand, descriptors, the product type and a
size; descriptions and bullet points that mention some attributes (the reward's substring check)
while others appear only in the attribute list; zero to three option groups, some values with
``/``; prices as ``$12.99`` or ``$12.99 - $19.99``, a few missing (the loader's ``$100.0``) and a
few at or above $980 (goals without a price bound). Many products share a type, so near misses
(same type, other attributes, options or price) are the norm. Instruction attributes are sometimes
paraphrased ("sulfate-free" for "sulfate free", a plural) within the reward's fuzzy threshold.

Everything is drawn from one ``random.Random(SEED)`` in a fixed order and no set is iterated, so
the output is byte-identical on every run and Python version; ``tests/test_webshop_data.py`` checks
the shipped files against a fresh generation. Regenerate with::

    python -m archer_gym.webshop.generate            # rewrites archer_gym/webshop/data/
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 2207
NUM_PRODUCTS = 2500
DATA_DIR = Path(__file__).resolve().parent / "data"
PRODUCTS_FILE = "items_shuffle_synth.json.gz"
ATTRIBUTES_FILE = "items_ins_v2_synth.json.gz"
INSTRUCTIONS_FILE = "items_human_ins_synth.json.gz"


@dataclass(frozen=True)
class ProductType:
    """One scrape query of the catalogue: what products of this type look like."""

    query: str
    noun: str
    """The type as it appears in titles; every word of it is a noun."""
    breadcrumb: tuple[str, ...]
    """Levels below the category root, ending with the type's own level."""
    attributes: tuple[str, ...]
    """Type-specific attribute phrases (mixed with the category's shared ones)."""
    options: tuple[str, ...]
    """Option groups products of this type may offer (keys of the category's OPTION_VALUES)."""
    price: float
    """Median price in dollars."""
    uses: tuple[str, ...] = ()
    """Nouns for "for ..." title phrases ("for Dry Hair")."""


@dataclass(frozen=True)
class Category:
    name: str
    root: str
    """First breadcrumb level."""
    types: tuple[ProductType, ...]
    shared_attributes: tuple[str, ...]
    adjectives: tuple[str, ...]
    """Title descriptors that are adjectives (not nouns)."""
    modifiers: tuple[str, ...]
    """Title descriptors that are nouns ("Argan Oil", "Leather")."""
    option_values: dict[str, tuple[str, ...]]
    features: tuple[str, ...]
    """Bullet-point templates; {type}, {attr}, {brand} and {use} are filled in."""


def T(query, noun, crumbs, attributes, options, price, uses=""):  # noqa: N802 - a table row
    return ProductType(query, noun, tuple(crumbs.split(" / ")), tuple(attributes.split(", ")),
                       tuple(options.split(", ")) if options else (), price,
                       tuple(uses.split(", ")) if uses else ())


CATEGORIES = (
    Category(
        "beauty", "Beauty & Personal Care",
        (
            T("shampoo", "Shampoo", "Hair Care / Shampoo & Conditioner / Shampoos",
              "sulfate free, paraben free, dry hair, damaged hair, argan oil, color safe", "size, scent", 14,
              "Dry Hair, Damaged Hair, Oily Scalp, Curly Hair"),
            T("hair conditioner", "Conditioner", "Hair Care / Shampoo & Conditioner / Conditioners",
              "sulfate free, dry hair, coconut oil, frizz control, deep conditioning", "size, scent", 13,
              "Dry Hair, Frizzy Hair, Fine Hair"),
            T("face moisturizer", "Face Moisturizer", "Skin Care / Face / Creams & Moisturizers",
              "hyaluronic acid, fragrance free, sensitive skin, oil free, anti aging, spf 30", "size", 22,
              "Sensitive Skin, Dry Skin, Oily Skin"),
            T("lipstick", "Lipstick", "Makeup / Lips / Lipstick",
              "long lasting, matte finish, cruelty free, highly pigmented, vitamin e", "color", 11),
            T("nail polish", "Nail Polish", "Foot, Hand & Nail Care / Nail Polish",
              "quick dry, chip resistant, non toxic, gel effect, long lasting", "color, size", 9),
            T("eyeshadow palette", "Eyeshadow Palette", "Makeup / Eyes / Eyeshadow",
              "highly pigmented, long lasting, shimmer finish, blendable, cruelty free", "color", 18),
            T("body lotion", "Body Lotion", "Skin Care / Body / Lotions",
              "shea butter, dry skin, non greasy, fragrance free, fast absorbing", "size, scent", 12,
              "Dry Skin, Sensitive Skin"),
            T("deodorant", "Deodorant Stick", "Personal Care / Deodorants & Antiperspirants / Deodorant",
              "aluminum free, natural ingredients, long lasting, baking soda free", "scent, size", 10),
            T("hair dryer", "Hair Dryer", "Hair Care / Styling Tools / Hair Dryers",
              "ionic technology, fast drying, low noise, lightweight design, cool shot button", "color", 45),
            T("makeup brush set", "Makeup Brush Set", "Tools & Accessories / Makeup Brushes & Tools / Brush Sets",
              "synthetic bristles, soft bristles, travel case, cruelty free, easy to clean", "color", 16),
            T("perfume for women", "Eau de Parfum Spray", "Fragrance / Women's / Eau de Parfum",
              "long lasting, floral scent, travel size, gift set", "size", 48),
            T("sunscreen", "Sunscreen Lotion", "Skin Care / Sun / Sunscreens",
              "spf 50, water resistant, reef safe, broad spectrum, oil free", "size", 15,
              "Face, Body, Sensitive Skin"),
            T("hair extensions", "Hair Extensions", "Hair Care / Hair Extensions, Wigs & Accessories / Extensions",
              "clip in, human hair, natural looking, heat resistant, straight hair", "color, size", 39),
            T("beard oil", "Beard Oil", "Shaving & Hair Removal / Men's / Beard & Mustache Care",
              "natural ingredients, jojoba oil, softens beard, non greasy", "scent, size", 14),
        ),
        ("natural ingredients", "cruelty free", "paraben free", "easy to use", "travel size",
         "long lasting", "dermatologist tested", "high quality"),
        ("Natural", "Organic", "Gentle", "Hydrating", "Nourishing", "Professional", "Vegan", "Luxury",
         "Daily", "Lightweight"),
        ("Argan Oil", "Coconut", "Tea Tree", "Aloe Vera", "Vitamin C", "Shea Butter", "Rose", "Charcoal"),
        {
            "color": ("Natural Beige", "Ivory", "Rose Gold", "Nude", "Deep Mocha", "Coral", "Ruby Red",
                      "Black", "Berry", "Light Brown", "Blush Pink", "Plum"),
            "size": ("1 Fl Oz (Pack of 1)", "3.4 Fl Oz", "8 Fl Oz", "16.9 Fl Oz (Pack of 1)",
                     "2.6 Ounce (Pack of 2)", "Travel Size", "12 Count", "6.8 Fl Oz/200 ml"),
            "scent": ("Lavender", "Unscented", "Coconut Vanilla", "Fresh Citrus", "Eucalyptus Mint",
                      "Ocean Breeze", "Sandalwood", "Rose"),
        },
        ("Made with {attr} for everyday use; suitable for all skin and hair types.",
         "{brand} {type} with {attr}, dermatologist tested.",
         "Gentle formula with {attr} that leaves you feeling fresh all day.",
         "Perfect for {use}: apply a small amount and enjoy the results.",
         "Satisfaction guarantee: contact {brand} customer service with any questions."),
    ),
    Category(
        "electronics", "Electronics",
        (
            T("bluetooth headphones", "Bluetooth Headphones", "Headphones, Earbuds & Accessories / Headphones / Over-Ear",
              "noise cancelling, wireless bluetooth, long battery life, built in microphone, foldable design",
              "color", 59),
            T("wireless earbuds", "Wireless Earbuds", "Headphones, Earbuds & Accessories / Earbuds / True Wireless",
              "noise cancelling, waterproof, charging case, touch control, long battery life", "color, style", 39),
            T("usb c cable", "USB C Cable", "Computers & Accessories / Cables / USB Cables",
              "fast charging, braided nylon, data transfer, durable design", "size, color", 11,
              "iPhone, Samsung Galaxy, MacBook, Laptop"),
            T("laptop stand", "Laptop Stand", "Computers & Accessories / Laptop Accessories / Stands",
              "height adjustable, aluminum alloy, portable design, heat dissipation, non slip", "color", 29,
              "MacBook, Laptop, Desk"),
            T("wireless mouse", "Wireless Mouse", "Computers & Accessories / Keyboards, Mice & Accessories / Mice",
              "ergonomic design, silent click, usb receiver, long battery life, adjustable dpi", "color", 17,
              "Laptop, PC, Mac"),
            T("phone case", "Phone Case", "Cell Phones & Accessories / Cases, Holsters & Sleeves / Basic Cases",
              "shockproof, slim fit, wireless charging compatible, raised edges, scratch resistant", "color, style", 13,
              "iPhone, Samsung Galaxy, Google Pixel"),
            T("portable charger", "Portable Charger Power Bank", "Cell Phones & Accessories / Chargers & Power Adapters / Power Banks",
              "fast charging, high capacity, usb c, led display, compact design", "color, size", 33),
            T("security camera", "Security Camera", "Camera & Photo / Video Surveillance / Surveillance Cameras",
              "night vision, motion detection, two way audio, 1080p hd, weatherproof", "size", 49,
              "Home, Outdoor, Garage"),
            T("smart watch band", "Watch Band", "Wearable Technology / Accessories / Bands",
              "quick release, soft silicone, breathable, adjustable fit, sweat resistant", "color, size", 12,
              "Apple Watch, Fitbit, Galaxy Watch"),
            T("tv wall mount", "TV Wall Mount", "Television & Video / Accessories / TV Mounts",
              "full motion, heavy duty, easy installation, tilt swivel, cable management", "size", 36),
            T("mechanical keyboard", "Mechanical Keyboard", "Computers & Accessories / Keyboards, Mice & Accessories / Keyboards",
              "rgb backlit, hot swappable, anti ghosting, usb wired, compact layout", "color, style", 64),
            T("memory card", "Memory Card", "Computers & Accessories / Data Storage / Memory Cards",
              "high speed, 4k video, water resistant, class 10", "size", 15, "Camera, Nintendo Switch, Drone"),
            T("smart tv", "Smart TV", "Television & Video / Televisions / Smart TVs",
              "4k ultra hd, hdr, voice control, dolby audio, streaming apps", "size", 520),
            T("bluetooth speaker", "Bluetooth Speaker", "Portable Audio & Video / Portable Speakers & Docks / Speakers",
              "waterproof, loud stereo sound, deep bass, long battery life, portable design", "color", 35),
        ),
        ("easy to use", "high quality", "plug and play", "lightweight", "durable design", "wireless bluetooth"),
        ("Wireless", "Portable", "Fast", "Premium", "Upgraded", "Compact", "Ultra Slim", "Heavy Duty", "Smart",
         "Universal"),
        ("Aluminum", "Nylon", "Silicone", "Carbon Fiber", "Gaming", "Travel", "Office"),
        {
            "color": ("Black", "White", "Silver", "Space Gray", "Blue", "Red", "Midnight Green", "Rose Gold",
                      "Black/Red", "Navy Blue"),
            "size": ("3 ft", "6 ft", "10 ft", "1 Pack", "2 Pack", "3 Pack", "32GB", "64GB", "128GB",
                     "43 Inch", "55 Inch", "65 Inch", "6 ft/2 m", "10000mAh", "20000mAh"),
            "style": ("Standard", "Pro", "With Charging Case", "USB-C", "Lightning", "Bundle", "Tenkeyless",
                      "Full Size"),
        },
        ("Compatible with {use} and most other devices.",
         "{brand} {type} features {attr} for reliable everyday performance.",
         "Built to last: {attr} and tested for thousands of hours of use.",
         "Package includes the {type}, a user manual and friendly 24 month support.",
         "Designed for home, office and travel with {attr}."),
    ),
    Category(
        "fashion", "Clothing, Shoes & Jewelry",
        (
            T("men's running shoes", "Running Shoes", "Men / Shoes / Athletic / Running",
              "rubber sole, lace up, breathable mesh, arch support, lightweight", "size, color", 55),
            T("women's summer dress", "Summer Dress", "Women / Clothing / Dresses / Casual",
              "machine wash, short sleeve, v neck, floral print, pockets", "size, color", 32),
            T("men's t-shirt", "T-Shirt", "Men / Clothing / Shirts / T-Shirts",
              "cotton jersey, crew neck, machine wash, short sleeve, classic fit", "size, color, fit type", 15),
            T("women's jeans", "Jeans", "Women / Clothing / Jeans",
              "high waist, stretch denim, machine wash, button closure, skinny leg", "size, color", 35),
            T("winter jacket", "Winter Jacket", "Men / Clothing / Jackets & Coats / Down & Down Alternative",
              "water resistant, hooded, fleece lined, zipper closure, windproof", "size, color", 79),
            T("yoga pants", "Yoga Pants", "Women / Clothing / Active / Leggings",
              "high waist, tummy control, four way stretch, squat proof, pockets", "size, color", 22),
            T("wool socks", "Wool Socks", "Men / Clothing / Socks & Hosiery / Casual Socks",
              "merino wool, moisture wicking, cushioned sole, warm, breathable", "size, color", 16),
            T("baseball cap", "Baseball Cap", "Men / Accessories / Hats & Caps / Baseball Caps",
              "adjustable strap, cotton twill, sun protection, unisex", "color", 14),
            T("women's sandals", "Sandals", "Women / Shoes / Sandals / Flat Sandals",
              "open toe, ankle strap, rubber sole, arch support, non slip", "size, color", 29),
            T("men's dress shirt", "Dress Shirt", "Men / Clothing / Shirts / Dress Shirts",
              "long sleeve, wrinkle free, button down, slim fit, machine wash", "size, color, fit type", 28),
            T("hoodie", "Pullover Hoodie", "Men / Clothing / Fashion Hoodies & Sweatshirts",
              "fleece lined, kangaroo pocket, drawstring hood, machine wash, soft cotton", "size, color", 30),
            T("women's sneakers", "Sneakers", "Women / Shoes / Fashion Sneakers",
              "memory foam, slip on, non slip, breathable, lightweight", "size, color", 42),
            T("leather belt", "Leather Belt", "Men / Accessories / Belts",
              "genuine leather, ratchet buckle, adjustable fit, gift box", "size, color", 21),
            T("pajama set", "Pajama Set", "Women / Clothing / Lingerie, Sleep & Lounge / Sleep & Lounge Sets",
              "soft fabric, long sleeve, button down, elastic waist, machine wash", "size, color", 27),
        ),
        ("machine wash", "hand wash", "imported", "relaxed fit", "comfortable fit", "daily wear"),
        ("Classic", "Casual", "Lightweight", "Soft", "Breathable", "Stretch", "Vintage", "Slim", "Athletic",
         "Warm"),
        ("Cotton", "Denim", "Fleece", "Wool", "Leather", "Linen", "Mesh"),
        {
            "color": ("Black", "White", "Navy Blue", "Heather Grey", "Olive Green", "Burgundy", "Khaki",
                      "Light Blue", "Charcoal", "Multicolor", "Black/White", "Beige"),
            "size": ("X-Small", "Small", "Medium", "Large", "X-Large", "XX-Large", "7", "8", "8.5", "9",
                     "10", "11", "12", "S/M", "L/XL"),
            "fit type": ("Regular", "Big & Tall", "Slim"),
        },
        ("{attr} for all-day comfort.",
         "The {brand} {type} with {attr}: a classic look for work, school and weekends.",
         "Easy care: {attr}.",
         "Please check the size chart before ordering; sizes may vary slightly.",
         "Pairs well with jeans, shorts or a jacket for every season."),
    ),
    Category(
        "food", "Grocery & Gourmet Food",
        (
            T("gluten free snacks", "Snack Bars", "Snacks & Sweets / Snack Bars / Granola Bars",
              "gluten free, non gmo, individually wrapped, low sugar, whole grain", "flavor name, size", 16),
            T("green tea", "Green Tea Bags", "Beverages / Tea / Green",
              "organic, caffeine free, antioxidant rich, non gmo, individually wrapped", "flavor name, size", 9),
            T("coffee beans", "Whole Bean Coffee", "Beverages / Coffee, Tea & Cocoa / Coffee / Whole Coffee Beans",
              "medium roast, fair trade, arabica beans, freshly roasted, single origin", "flavor name, size", 15),
            T("protein bar", "Protein Bars", "Snacks & Sweets / Nutrition Bars / Protein Bars",
              "high protein, low sugar, keto friendly, gluten free, individually wrapped", "flavor name, size", 24),
            T("dark chocolate", "Dark Chocolate Bar", "Snacks & Sweets / Chocolate / Bars",
              "70 cacao, fair trade, dairy free, non gmo, organic", "flavor name, size", 12),
            T("olive oil", "Extra Virgin Olive Oil", "Pantry Staples / Cooking & Baking / Oils / Olive",
              "cold pressed, first cold press, non gmo, imported from italy", "size", 17),
            T("beef jerky", "Beef Jerky", "Snacks & Sweets / Jerky & Dried Meats / Beef",
              "high protein, grass fed, low fat, gluten free, no preservatives", "flavor name, size", 13),
            T("trail mix", "Trail Mix", "Snacks & Sweets / Snack Mixes / Trail Mix",
              "roasted nuts, dried fruit, resealable bag, non gmo, vegan", "flavor name, size", 11),
            T("hot sauce", "Hot Sauce", "Pantry Staples / Condiments & Salad Dressings / Hot Sauce",
              "small batch, gluten free, no sugar added, vegan", "flavor name, size", 8),
            T("oatmeal", "Instant Oatmeal", "Breakfast Foods / Cereals / Oatmeal",
              "whole grain, high fiber, heart healthy, non gmo, low sugar", "flavor name, size", 7),
            T("honey", "Raw Honey", "Pantry Staples / Jams, Jellies & Sweet Spreads / Honey",
              "raw unfiltered, pure honey, non gmo, gluten free", "size", 14),
            T("sparkling water", "Sparkling Water", "Beverages / Bottled Beverages, Water & Drink Mixes / Sparkling Water",
              "zero calorie, no sugar added, natural flavor, caffeine free", "flavor name, size", 13),
            T("pasta", "Pasta", "Pantry Staples / Pasta & Noodles / Dry Pasta",
              "whole wheat, gluten free, non gmo, imported from italy", "flavor name, size", 6),
            T("peanut butter", "Peanut Butter", "Pantry Staples / Jams, Jellies & Sweet Spreads / Nut Butters",
              "creamy, no sugar added, non gmo, high protein, keto friendly", "flavor name, size", 8),
        ),
        ("gluten free", "non gmo", "kosher certified", "natural ingredients", "ready to eat", "great gift"),
        ("Organic", "Natural", "Healthy", "Gourmet", "Premium", "Family Size", "Keto", "Vegan", "Fresh",
         "Classic"),
        ("Sea Salt", "Almond", "Vanilla", "Cinnamon", "Honey", "Chocolate", "Berry"),
        {
            "flavor name": ("Original", "Chocolate", "Vanilla", "Peanut Butter", "Sea Salt", "Honey Roasted",
                            "Mixed Berry", "Spicy", "Cinnamon", "Variety Pack"),
            "size": ("12 Count (Pack of 1)", "6 Ounce (Pack of 3)", "1 Pound", "24 Count",
                     "2.5 Ounce (Pack of 12)", "32 Fl Oz", "16 Ounce", "8.5 Fl Oz/250 ml"),
        },
        ("{attr}: a snack you can feel good about.",
         "{brand} {type}: {attr}, packed fresh.",
         "Enjoy at home, at work or on the go.",
         "Store in a cool, dry place; best before the date on the package.",
         "Made with {attr} and nothing artificial."),
    ),
    Category(
        "furniture", "Home & Kitchen",
        (
            T("office chair", "Office Chair", "Furniture / Home Office Furniture / Home Office Chairs / Desk Chairs",
              "lumbar support, height adjustable, swivel, mesh back, padded armrests", "color", 139),
            T("bookshelf", "Bookshelf", "Furniture / Living Room Furniture / Bookcases",
              "easy assembly, solid wood, 5 tier, anti tip, industrial style", "color, size", 89),
            T("bed frame", "Bed Frame", "Furniture / Bedroom Furniture / Beds, Frames & Bases / Bed Frames",
              "metal platform, no box spring needed, under bed storage, easy assembly, noise free", "size, color",
              149),
            T("tv stand", "TV Stand", "Furniture / Living Room Furniture / TV & Media Furniture / TV Stands",
              "storage shelves, cable management, solid wood, easy assembly, modern design", "color, size", 119),
            T("dining table", "Dining Table", "Furniture / Kitchen & Dining Room Furniture / Tables",
              "solid wood, seats 4, easy assembly, rustic finish, sturdy legs", "color, size", 229),
            T("storage ottoman", "Storage Ottoman", "Furniture / Living Room Furniture / Ottomans",
              "faux leather, folding design, hidden storage, padded seat", "color, size", 45),
            T("bar stools", "Bar Stools", "Furniture / Kitchen & Dining Room Furniture / Bar Stools",
              "swivel, height adjustable, back support, set of 2, footrest", "color, style", 99),
            T("coffee table", "Coffee Table", "Furniture / Living Room Furniture / Tables / Coffee Tables",
              "lift top, storage shelf, solid wood, easy assembly, rustic finish", "color", 129),
            T("nightstand", "Nightstand", "Furniture / Bedroom Furniture / Nightstands",
              "two drawers, easy assembly, solid wood, charging station", "color", 69),
            T("shoe rack", "Shoe Rack", "Storage & Organization / Clothing & Closet Storage / Shoe Organizers",
              "space saving, 4 tier, metal frame, easy assembly, stackable", "color, size", 33),
            T("desk lamp", "Desk Lamp", "Lighting & Ceiling Fans / Lamps & Shades / Desk Lamps",
              "dimmable, eye caring, usb charging port, touch control, adjustable arm", "color", 32),
            T("floor mirror", "Floor Mirror", "Home Decor / Mirrors / Floor Mirrors",
              "full length, wall mounted, shatterproof, wood frame, standing", "color, size", 95),
            T("sofa", "Sofa Couch", "Furniture / Living Room Furniture / Sofas & Couches",
              "velvet fabric, solid wood frame, removable cushions, easy assembly, deep seat", "color, size", 640),
            T("writing desk", "Computer Desk", "Furniture / Home Office Furniture / Home Office Desks",
              "storage shelves, easy assembly, steel frame, space saving, monitor stand", "color, size", 110),
        ),
        ("easy assembly", "living room", "bedroom", "home office", "space saving", "easy to clean"),
        ("Modern", "Rustic", "Industrial", "Mid Century", "Farmhouse", "Sturdy", "Classic", "Minimalist",
         "Contemporary", "Vintage"),
        ("Wood", "Metal", "Oak", "Walnut", "Velvet", "Bamboo", "Marble"),
        {
            "color": ("Espresso", "White", "Black", "Walnut", "Gray", "Natural Oak", "Rustic Brown", "Navy",
                      "Black/Walnut", "Vintage Brown"),
            "size": ("Twin", "Full", "Queen", "King", "24 Inch", "30 Inch", "Small", "Large", "3 Tier",
                     "5 Tier", "47 Inch", "55 Inch"),
            "style": ("Modern", "Classic", "With Drawers", "Without Drawers", "With Back", "Backless"),
        },
        ("Assembly required; all tools and hardware are included.",
         "{brand} {type} with {attr}; fits any {use}.",
         "Sturdy construction with {attr} for years of daily use.",
         "Dimensions and weight capacity are listed in the product images.",
         "Easy to clean: wipe with a dry cloth."),
    ),
)

DESCRIPTION_SENTENCES = (
    "Upgrade your routine with the {brand} {type}.",
    "Every {type} comes with {attr} and is checked by hand before it ships.",
    "Key feature: {attr}, so you get great value every day.",
    "Whether for yourself or as a gift, this {type} is a smart choice.",
    "Customers love the {attr}.",
    "The {type} comes from {brand}, a family business since {year}.",
    "Our team tested dozens of versions to get the details right.",
    "Please note that colors may vary slightly due to monitor settings.",
    "If you have any questions, our customer service team is happy to help.",
    "Made for {use}.",
    "Thoughtful details make it easy to use and easy to love.",
    "Order today and enjoy free returns within 30 days.",
)

INSTRUCTION_LEADS = (
    "i am looking for", "i need", "find me", "i want to buy", "i'm looking for", "can you get me",
    "i would like", "show me", "please find", "i want",
)

BRAND_SYLLABLES = ("ka", "zen", "lo", "vi", "tor", "mar", "qu", "el", "no", "ra", "sta", "ly", "gen",
                   "co", "ver", "xa", "tri", "bo", "nex", "ul", "fi", "mo", "dra", "sol", "ven", "ari")
PACKED_CATEGORIES = ("beauty", "food")
"""Categories whose titles may end with "- Pack of N"."""


def _brand(rng: random.Random) -> str:
    return "".join(rng.choice(BRAND_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _nouns(words: str) -> list[str]:
    """The lower-cased word tokens of ``words`` (all of them are nouns by construction)."""
    return [w.strip(",.()&").lower() for w in words.split() if w.strip(",.()&")]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _paraphrase(rng: random.Random, attribute: str) -> str:
    """The same attribute as a shopper might write it, within the reward's fuzzy threshold."""
    words = attribute.split()
    if len(words) >= 2 and rng.random() < 0.5:
        return "-".join(words)
    if len(words) >= 2 and len(words[-1]) >= 4:
        last = words[-1][:-1] if words[-1].endswith("s") else words[-1] + "s"
        return " ".join(words[:-1] + [last])
    return attribute


class _Generator:
    """One generation run: a single RNG consumed in a fixed order."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.asins: set[str] = set()  # membership only, never iterated
        self.brands = {c.name: [_brand(self.rng) for _ in range(30)] for c in CATEGORIES}

    def asin(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        while True:
            asin = "B0" + "".join(self.rng.choice(alphabet) for _ in range(8))
            if asin not in self.asins:
                self.asins.add(asin)
                return asin

    def pricing(self, median: float) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            return ""  # missing: the loader's $100.0
        if roll > 0.8 and median >= 300:
            low = round(rng.uniform(980, 1600), 2)  # no price bound in goals
        else:
            low = round(min(max(rng.lognormvariate(0, 0.45) * median, 1.5), 975.0), 2)
        if rng.random() < 0.25:
            return f"${low:.2f} - ${round(low * rng.uniform(1.1, 1.8), 2):.2f}"
        return f"${low:.2f}"

    def options(self, category: Category, kind: ProductType, asin: str) -> dict | None:
        rng = self.rng
        groups = [g for g in kind.options if rng.random() < 0.75]
        if not groups:
            return None if rng.random() < 0.5 else {}
        options = {}
        for group in groups:
            pool = category.option_values[group]
            values = rng.sample(pool, rng.randint(2, min(6, len(pool))))
            name = group.title() if rng.random() < 0.6 else group
            options[name] = [
                {"value": value if rng.random() < 0.7 else value.lower(),
                 "image": f"https://images.webshop.invalid/{asin}/{group[:2]}{j}.jpg" if group == "color" else None}
                for j, value in enumerate(values)
            ]
        return options

    def product(self) -> tuple[dict, list[str], ProductType]:
        """One product in ``items_shuffle`` format, its attribute list and its type."""
        rng = self.rng
        category = rng.choice(CATEGORIES)
        kind = rng.choice(category.types)
        brand = rng.choice(self.brands[category.name])
        asin = self.asin()
        attributes = list(dict.fromkeys(
            rng.sample(kind.attributes, rng.randint(2, min(5, len(kind.attributes))))
            + rng.sample(category.shared_attributes, rng.randint(1, 3))
        ))
        use = rng.choice(kind.uses) if kind.uses else ""

        # Title: brand, descriptors, type, "for ..." and a size; nouns tracked as we go.
        parts, nouns = [brand], [brand.lower()]
        for adjective in rng.sample(category.adjectives, rng.randint(0, 2)):
            parts.append(adjective)
        if rng.random() < 0.6:
            modifier = rng.choice(category.modifiers)
            parts.append(modifier)
            nouns += _nouns(modifier)
        if rng.random() < 0.4:
            # An attribute in the title ("Sulfate Free"): declared a descriptor, not a type noun.
            parts.insert(1, rng.choice(attributes).title())
        parts.append(kind.noun)
        nouns += _nouns(kind.noun)
        if use and rng.random() < 0.6:
            parts.append(f"for {use}")
            nouns += _nouns(use)
        if category.name in PACKED_CATEGORIES and rng.random() < 0.5:
            count = rng.choice((2, 3, 4, 6, 12))
            parts.append(f"- Pack of {count}")
            nouns.append("pack")
        title = " ".join(parts)

        fill = {"brand": brand, "type": kind.noun.lower(), "use": use.lower() or "everyday use",
                "year": rng.randint(1968, 2019)}
        sentences = []
        for template in rng.sample(DESCRIPTION_SENTENCES, rng.randint(4, 7)):
            sentences.append(template.format(attr=rng.choice(attributes), **fill))
        bullets = []
        for template in rng.sample(category.features, rng.randint(3, 5)):
            bullet = template.format(attr=rng.choice(attributes), **fill)
            bullets.append(bullet[0].upper() + bullet[1:])
        crumbs = [category.root, *kind.breadcrumb]
        product = {
            "asin": asin,
            "name": title,
            "full_description": " ".join(sentences),
            "small_description": bullets,
            "pricing": self.pricing(kind.price),
            "list_price": "",
            "images": [f"https://images.webshop.invalid/{asin}/{i}.jpg" for i in range(rng.randint(1, 4))],
            "customization_options": self.options(category, kind, asin),
            "category": category.name,
            "query": kind.query,
            "product_category": " › ".join(crumbs),
            "brand": brand,
            "type_nouns": nouns,
        }
        return product, attributes, kind

    def instruction(self, product: dict, attributes: list[str], kind: ProductType) -> dict:
        """One human-instruction record (``items_human_ins`` format) for ``product``."""
        rng = self.rng
        if rng.random() < 0.02:
            wanted = []  # skipped by the goal builder, as in the original data
        else:
            wanted = rng.sample(attributes, rng.randint(1, min(3, len(attributes))))
        written = [_paraphrase(rng, a) if rng.random() < 0.15 else a for a in wanted]
        chosen = []
        phrases = []
        for name, values in (product["customization_options"] or {}).items():
            if rng.random() < 0.8:
                value = rng.choice(values)["value"]
                chosen.append(value.strip().replace("/", " | ").lower())  # as the shop shows it
                phrases.append(f"{value.lower()} {name.lower()}" if rng.random() < 0.5 else f"{name.lower()} {value.lower()}")
        text = f"{rng.choice(INSTRUCTION_LEADS)} {rng.choice((kind.query, kind.noun.lower()))}"
        if written:
            text += rng.choice((f" that is {_join(written)}", f" with {_join(written)}", f", {_join(written)}"))
        if phrases:
            text += rng.choice((" in ", " with ", ", ")) + _join(phrases)
        if rng.random() < 0.5:
            text = text[0].upper() + text[1:] + "."
        return {
            "asin": product["asin"],
            "instruction": text,
            "attributes": attributes,
            "options": {n.lower(): [v["value"].lower() for v in vs]
                        for n, vs in (product["customization_options"] or {}).items()},
            "instruction_attributes": written,
            "instruction_options": chosen,
            "assignment_id": f"A{rng.getrandbits(48):012X}",
            "worker_id": f"W{rng.getrandbits(32):08X}",
        }


def generate(num_products: int = NUM_PRODUCTS, seed: int = SEED) -> dict[str, object]:
    """The three catalogue files as Python objects, keyed by file name."""
    gen = _Generator(seed)
    made = [gen.product() for _ in range(num_products)]
    ins_v2, instructions = {}, {}
    for product, attributes, kind in made:
        asin = product["asin"]
        records = [gen.instruction(product, attributes, kind)
                   for _ in range(gen.rng.choice((0, 0, 1, 1, 1, 2, 2, 3)))]
        first = records[0] if records else gen.instruction(product, attributes, kind)
        ins_v2[asin] = {"attributes": attributes, "instruction": first["instruction"],
                        "instruction_attributes": first["instruction_attributes"]}
        if records:
            instructions[asin] = records
    products = [product for product, _, _ in made]
    return {PRODUCTS_FILE: products, ATTRIBUTES_FILE: ins_v2, INSTRUCTIONS_FILE: instructions}


def dumps(obj: object) -> bytes:
    """The canonical JSON bytes of a catalogue file (before compression)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write(out_dir: Path = DATA_DIR, num_products: int = NUM_PRODUCTS, seed: int = SEED) -> list[Path]:
    """Generate the catalogue and write its three gzipped files into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, obj in generate(num_products, seed).items():
        path = out_dir / name
        # mtime=0 and no file name in the header: the same bytes on every run.
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            gz.write(dumps(obj))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written_path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR):
        print(f"wrote {written_path} ({written_path.stat().st_size / 1e6:.2f} MB)")
