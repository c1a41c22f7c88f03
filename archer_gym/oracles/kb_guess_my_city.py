"""Guess My City's default offline oracle: a hand-authored fact table and a rule-based question reader.

Approach
--------
``archer_gym/data/guess_my_city_facts.json`` holds about 60 hand-checked facts for each of the 100 cities
(continent, coast, rivers, capital status, population, languages, climate flags, landmarks, food, sport,
history...). Every answer is a fixed template filled from that table, so the oracle cannot invent a fact,
and its prose never contains the city's name (the table is written that way, and a guard re-checks every
answer against the name and all its aliases).

Answering a question takes two cached steps:

1. **Parse** (``_parse``, ``lru_cache`` keyed by the question text, independent of the city). The question
   is folded into words (accents, case and apostrophes normalised) and scanned with a longest-match
   gazetteer of named things (cities and their aliases, countries and demonyms, continents, regions,
   languages, states, seas, rivers, lakes, islands). Then ordered keyword rules pick a topic, decide whether
   it is a yes/no or an open question, and extract the argument (which continent, which keyword...). The
   result is a small hashable :class:`Intent`.
2. **Compose** (memoised per ``(city, intent)``): the topic's handler reads the city's facts and returns
   ``(verdict, text)``; yes/no questions get "Yes, ..." or "No, ..." followed by the supporting fact.

A question naming a city anywhere ("Is it Tokyo?", "Are you from Bombay?") is a guess and gets
``HOME_YES`` or ``HOME_NO``; naming a country is an ordinary yes/no question. Anything the rules do not
cover (other languages, nonsense, "What is the name of your city?") gets the fixed ``UNKNOWN`` sentence.

Limits
------
- Keyword rules, not a language model: unusual phrasings, negations ("Isn't it...?" is read as "Is it...?"),
  compound or comparative questions ("bigger than Tokyo?") may be missed and then get ``UNKNOWN``.
- Facts are approximate (metropolitan populations, founding years) and frozen at authoring time; some
  categories are judgement calls (is a city 40 km from the sea "near the sea"?).
- Yes/no verdicts only cover what the table records. When a keyword is not found, "known for X?" questions
  answer "Not that I know of" rather than a hard "No".
- English only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, NamedTuple

from archer_gym.data import city_aliases, country_aliases, guess_my_city_cities, read_json
from archer_gym.oracles.base import Probe
from archer_gym.text import contains_phrase, fold, words

__all__ = ["GuessMyCityKB", "Intent", "UNKNOWN", "HOME_YES", "HOME_NO", "WITHHELD"]

UNKNOWN = "I'm not sure how to answer that; ask me about the country, climate, food, language, landmarks or geography."
HOME_YES = "Yes, that's my home town!"
HOME_NO = "No, that's not my home town."
WITHHELD = "I can't answer that without giving away my home town."
"""Leak-guard fallback; the tests check that no understood question ever needs it."""

MAX_QUESTION_CHARS = 2000
"""Longer input is not a question an agent would ask; refusing it early keeps the parse cheap."""

CURRENT_YEAR = 2025
"""Reference year for "more than N years old" questions (the table's founding years are approximate)."""


class Intent(NamedTuple):
    """What a question asks, independent of the city: the parse result that gets cached."""

    topic: str
    yesno: bool = False
    arg: Any = None


_UNKNOWN_INTENT = Intent("unknown")

# ---------------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------------


def _tokens(text: str) -> tuple[str, ...]:
    """Folded words with possessive 's removed, so "city's" matches "city" and "what's" matches "what"."""
    return tuple(w[:-2] if w.endswith("'s") else w for w in words(text))


# Question words and table words that mean the same for keyword search ("tech hub" finds "technology").
_SYNONYMS = {
    "tech": "technology", "technological": "technology", "financial": "finance", "banking": "finance",
    "bank": "finance", "movie": "film", "cinema": "film", "automobile": "car", "automotive": "car", "auto": "car",
    "muslim": "islam", "islamic": "islam", "golden": "gold", "pilgrim": "pilgrimage", "pilgrims": "pilgrimage",
    "bbq": "barbecue", "barbeque": "barbecue", "chili": "chilli", "theater": "theatre", "harbor": "harbour",
    "center": "centre",
}


def _stem(word: str) -> str:
    """A tiny plural stripper (noodles -> noodle, pastries -> pastry) plus a few synonyms."""
    w = _SYNONYMS.get(word, word)
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return _SYNONYMS.get(w, w)


def _stems(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _tokens(text))


def _join(items: list[str] | tuple[str, ...]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# First words of table sentences that read naturally after "Yes, " once lower-cased. Any other first word
# (a proper noun such as "Purple Mountain") is kept and the sentence follows "Yes. " instead.
_COMMON_FIRST = {
    "it", "its", "the", "a", "an", "there", "low", "steep", "mountains", "volcanoes", "granite", "snow-capped",
    "founded", "first", "once", "built", "rebuilt", "inaugurated", "formed", "originally", "claimed", "incorporated",
    "during", "under", "one", "as", "near", "hot", "mild", "warm", "cool", "cold", "long", "very", "almost",
    "scorching", "sunny", "spring-like", "extremely", "milder", "four", "dry", "pleasant", "pleasantly", "about",
    "over", "roughly", "nearly", "several", "some", "hilly", "known", "capital",
}


def _yes_no(verdict: bool, sentence: str) -> str:
    word = "Yes" if verdict else "No"
    first = sentence.split(" ", 1)[0].lower().rstrip(",")
    if first in _COMMON_FIRST:
        return f"{word}, {sentence[0].lower()}{sentence[1:]}"
    return f"{word}. {sentence}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _year(year: int) -> str:
    return f"{-year} BC" if year < 0 else (f"AD {year}" if year < 500 else str(year))


# ---------------------------------------------------------------------------------------------------
# Vocabulary: named things the gazetteer recognises beyond the fact table
# ---------------------------------------------------------------------------------------------------

# Old or informal names that also count as naming the city in a question (a guess), e.g. "Peking duck".
_HISTORIC_NAMES = {
    "Beijing, China": ["Peking", "Peiping"], "St Petersburg, Russia": ["Leningrad", "Petrograd", "St Petersburg", "Saint-Petersburg"],
    "Tokyo, Japan": ["Edo"], "Jakarta, Indonesia": ["Batavia", "Jayakarta"], "Istanbul, Turkey": ["Byzantium"],
    "Faisalabad, Pakistan": ["Lyallpur"], "Kinshaha, Congo": ["Leopoldville"], "Xian, China": ["Chang'an", "Xi an"],
    "Shenyang, China": ["Mukden"], "Changchun, China": ["Xinjing", "Hsinking"], "Dalian, China": ["Dalny"],
    "Osaka, Japan": ["Naniwa"], "Bogor, Indonesia": ["Buitenzorg"], "Rio de Janeiro, Brazil": ["Rio"],
    "Ankara, Turkey": ["Angora"], "Mexico City, Mexico": ["Tenochtitlan", "CDMX"], "Taega, South Korea": ["Taegu"],
    "Pusan, South Korea": ["Busan"], "Guangzhou, China": ["Kwangchow"], "Pyong Yang, North Korea": ["Pyongyang"],
    "Ho Chi Minh City, Vietnam": ["HCMC"], "Kiev, Ukraine": ["Kyiv"], "Los Angeles, USA": ["L.A."],
    "Addis Ababa, Ethopia": ["Addis"],
}

# Other well-known cities: naming one is a (wrong) guess rather than a question we cannot read.
_OTHER_CITIES = (
    "Manila", "Hanoi", "Kuala Lumpur", "Phnom Penh", "Vientiane", "Naypyidaw", "Kathmandu", "Colombo", "Islamabad",
    "Rawalpindi", "Peshawar", "Kabul", "Pune", "Lucknow", "Jaipur", "Surat", "Kochi", "Chittagong", "Lagos", "Nairobi",
    "Accra", "Dakar", "Johannesburg", "Cape Town", "Durban", "Luanda", "Khartoum", "Algiers", "Tunis", "Tripoli",
    "Rabat", "Marrakech", "Fez", "Dar es Salaam", "Kampala", "Kigali", "Lusaka", "Harare", "Maputo", "Yamoussoukro",
    "Brazzaville", "Riyadh", "Jeddah", "Mecca", "Medina", "Dubai", "Abu Dhabi", "Doha", "Kuwait City", "Muscat",
    "Sanaa", "Amman", "Beirut", "Damascus", "Jerusalem", "Tel Aviv", "Basra", "Mosul", "Isfahan", "Shiraz", "Tabriz",
    "Baku", "Tbilisi", "Yerevan", "Almaty", "Astana", "Bishkek", "Dushanbe", "Ashgabat", "Samarkand", "Bukhara",
    "Ulaanbaatar", "Shenzhen", "Hangzhou", "Suzhou", "Xiamen", "Kunming", "Lhasa", "Urumqi", "Macau", "Macao",
    "Kyoto", "Sapporo", "Kobe", "Fukuoka", "Hiroshima", "Nara", "Da Nang", "Chiang Mai", "Phuket", "Yogyakarta",
    "Denpasar", "Cebu", "Davao", "Penang", "Amsterdam", "Rotterdam", "Brussels", "Antwerp", "Vienna", "Prague",
    "Warsaw", "Krakow", "Athens", "Lisbon", "Porto", "Barcelona", "Seville", "Valencia", "Bilbao", "Dublin",
    "Edinburgh", "Glasgow", "Manchester", "Liverpool", "Birmingham", "Stockholm", "Oslo", "Copenhagen", "Helsinki",
    "Reykjavik", "Zurich", "Geneva", "Bern", "Munich", "Hamburg", "Frankfurt", "Cologne", "Milan", "Venice",
    "Florence", "Naples", "Turin", "Marseille", "Lyon", "Belgrade", "Zagreb", "Sofia", "Kharkiv", "Odesa", "Odessa",
    "Minsk", "Riga", "Vilnius", "Tallinn", "Novosibirsk", "Vladivostok", "Kazan", "Yekaterinburg", "Montevideo",
    "Asuncion", "La Paz", "Quito", "Cusco", "Recife", "Porto Alegre", "Curitiba", "Manaus", "Belem", "Guadalajara",
    "Monterrey", "Cancun", "Tijuana", "Panama City", "San Jose", "Kingston", "Santo Domingo", "San Juan",
    "Guatemala City", "Managua", "Tegucigalpa", "San Salvador", "Barranquilla", "Cartagena", "Maracaibo",
    "Valparaiso", "Cordoba", "Rosario", "Mendoza", "Honolulu", "Anchorage", "Washington DC", "Washington D.C.",
    "Boston", "Philadelphia", "Miami", "Atlanta", "Dallas", "Austin", "San Antonio", "Seattle", "San Francisco",
    "San Diego", "Las Vegas", "Denver", "Detroit", "New Orleans", "Nashville", "Orlando", "Montreal", "Vancouver",
    "Ottawa", "Calgary", "Melbourne", "Brisbane", "Perth", "Adelaide", "Auckland", "Wellington", "Canberra",
)

# Countries that are not on the list: naming one gets a plain "No, it is not in X."
_OTHER_COUNTRIES = (
    "Afghanistan", "Albania", "Algeria", "Andorra", "Angola", "Armenia", "Austria", "Azerbaijan", "Bahamas", "Bahrain",
    "Belarus", "Belgium", "Belize", "Benin", "Bhutan", "Bolivia", "Bosnia", "Botswana", "Brunei", "Bulgaria",
    "Burkina Faso", "Burundi", "Cambodia", "Cameroon", "Chad", "Costa Rica", "Croatia", "Cyprus", "Czech Republic",
    "Czechia", "Denmark", "Djibouti", "Dominican Republic", "El Salvador", "Eritrea", "Estonia", "Fiji", "Finland",
    "Gabon", "Gambia", "Georgia", "Ghana", "Greece", "Guatemala", "Guinea", "Guyana", "Haiti", "Honduras", "Iceland",
    "Ireland", "Israel", "Jamaica", "Jordan", "Kazakhstan", "Kenya", "Kuwait", "Kyrgyzstan", "Laos", "Latvia",
    "Lebanon", "Lesotho", "Liberia", "Libya", "Liechtenstein", "Lithuania", "Luxembourg", "Madagascar", "Malawi",
    "Malaysia", "Maldives", "Mali", "Malta", "Mauritania", "Mauritius", "Moldova", "Monaco", "Mongolia", "Montenegro",
    "Mozambique", "Namibia", "Nepal", "Netherlands", "Holland", "New Zealand", "Nicaragua", "Niger", "Nigeria",
    "North Macedonia", "Norway", "Oman", "Palestine", "Panama", "Papua New Guinea", "Paraguay", "Poland", "Portugal",
    "Qatar", "Republic of the Congo", "Rwanda", "Saudi Arabia", "Scotland", "Wales", "Northern Ireland", "Senegal",
    "Serbia", "Sierra Leone", "Slovakia", "Slovenia", "Somalia", "South Africa", "South Sudan", "Sri Lanka", "Sudan",
    "Suriname", "Sweden", "Switzerland", "Syria", "Tajikistan", "Tanzania", "Togo", "Trinidad and Tobago", "Tunisia",
    "Turkmenistan", "Uganda", "United Arab Emirates", "UAE", "Uruguay", "Yemen", "Zambia", "Zimbabwe", "Greenland",
)
_COUNTRY_SYNONYMS = {"Holland": "Netherlands", "Czechia": "Czech Republic", "UAE": "United Arab Emirates"}
_THE_COUNTRIES = {
    "United States", "United Kingdom", "Philippines", "Democratic Republic of the Congo", "Netherlands",
    "Czech Republic", "Dominican Republic", "Bahamas", "Gambia", "United Arab Emirates", "Maldives",
    "Republic of the Congo",
}

# Demonyms name a country ("Is it a Japanese city?"); with a speaking cue the same word is a language instead.
_DEMONYMS = {
    "Japanese": ["Japan"], "Chinese": ["China"], "Indian": ["India"], "Brazilian": ["Brazil"], "Indonesian": ["Indonesia"],
    "Pakistani": ["Pakistan"], "Russian": ["Russia"], "Turkish": ["Turkey"], "Mexican": ["Mexico"],
    "American": ["United States"], "Thai": ["Thailand"], "British": ["United Kingdom"], "English": ["United Kingdom"],
    "Egyptian": ["Egypt"], "Iranian": ["Iran"], "Persian": ["Iran"], "Colombian": ["Colombia"], "Peruvian": ["Peru"],
    "Chilean": ["Chile"], "Australian": ["Australia"], "Singaporean": ["Singapore"], "Iraqi": ["Iraq"],
    "Korean": ["South Korea", "North Korea"], "South Korean": ["South Korea"], "North Korean": ["North Korea"],
    "Bangladeshi": ["Bangladesh"], "German": ["Germany"], "Vietnamese": ["Vietnam"], "Argentine": ["Argentina"],
    "Argentinian": ["Argentina"], "Argentinean": ["Argentina"], "Moroccan": ["Morocco"], "Spanish": ["Spain"],
    "Congolese": ["Democratic Republic of the Congo"], "Italian": ["Italy"], "Taiwanese": ["Taiwan"],
    "Ukrainian": ["Ukraine"], "Burmese": ["Myanmar"], "Canadian": ["Canada"], "Ethiopian": ["Ethiopia"],
    "Cuban": ["Cuba"], "French": ["France"], "Uzbek": ["Uzbekistan"], "Ecuadorian": ["Ecuador"],
    "Romanian": ["Romania"], "Filipino": ["Philippines"], "Ivorian": ["C\u00f4te d'Ivoire"], "Hungarian": ["Hungary"],
    "Venezuelan": ["Venezuela"], "Portuguese": ["Portugal"], "Dutch": ["Netherlands"], "Greek": ["Greece"],
    "Swedish": ["Sweden"], "Polish": ["Poland"], "Nigerian": ["Nigeria"], "Kenyan": ["Kenya"], "Malaysian": ["Malaysia"],
    "Saudi": ["Saudi Arabia"], "Israeli": ["Israel"], "Irish": ["Ireland"], "Scottish": ["Scotland"],
}

# Colonial adjectives as the table's ``colonial`` field spells them.
_COLONIAL_ADJ = {
    "british": "British", "english": "British", "britain": "British", "uk": "British", "spanish": "Spanish",
    "spain": "Spanish", "portuguese": "Portuguese", "portugal": "Portuguese", "french": "French", "france": "French",
    "dutch": "Dutch", "netherlands": "Dutch", "japanese": "Japanese", "japan": "Japanese", "german": "German",
    "germany": "German", "russian": "Russian", "russia": "Russian", "belgian": "Belgian", "belgium": "Belgian",
    "american": "American", "italian": "Italian", "italy": "Italian",
}

_CONTINENTS = {
    "Asia": ["Asia", "Asian", "Asian continent"], "Europe": ["Europe", "European", "European continent"],
    "Africa": ["Africa", "African", "African continent"], "North America": ["North America", "North American"],
    "South America": ["South America", "South American"], "Oceania": ["Oceania", "Australian continent", "Australasian continent"],
    "Antarctica": ["Antarctica", "Antarctic"],
}
_CONTINENT_GROUPS = {"Americas": ("North America", "South America"), "the Americas": ("North America", "South America"), "Eurasia": ("Europe", "Asia")}

_REGIONS = {
    "East Asia": ["East Asia", "Eastern Asia", "Far East", "East Asian"],
    "Southeast Asia": ["Southeast Asia", "South East Asia", "South-East Asia", "Southeast Asian", "South-east Asian"],
    "South Asia": ["South Asia", "Southern Asia", "Indian subcontinent", "subcontinent", "South Asian"],
    "Central Asia": ["Central Asia", "Central Asian"], "West Asia": ["West Asia", "Western Asia"],
    "Middle East": ["Middle East", "Middle Eastern", "Near East", "Mideast"],
    "North Africa": ["North Africa", "Northern Africa", "North African"], "Maghreb": ["Maghreb"],
    "West Africa": ["West Africa", "Western Africa", "West African"], "East Africa": ["East Africa", "Eastern Africa", "East African"],
    "Horn of Africa": ["Horn of Africa"], "Central Africa": ["Central Africa", "Central African"],
    "Sub-Saharan Africa": ["Sub-Saharan Africa", "Subsaharan Africa", "Sub-Saharan"], "Arab world": ["Arab world", "Arab", "Arab country", "Arab countries"],
    "Latin America": ["Latin America", "Latin American"], "Central America": ["Central America", "Central American"],
    "Caribbean": ["Caribbean"], "Western Europe": ["Western Europe", "West Europe", "Western European"],
    "Eastern Europe": ["Eastern Europe", "East Europe", "Eastern European"], "Central Europe": ["Central Europe", "Central European"],
    "Southern Europe": ["Southern Europe", "South Europe", "Southern European", "Mediterranean Europe"],
    "Northern Europe": ["Northern Europe", "North Europe"], "Southeastern Europe": ["Southeastern Europe", "South-eastern Europe", "Southeast Europe"],
    "Balkans": ["Balkans", "Balkan"], "Scandinavia": ["Scandinavia", "Scandinavian", "Nordic"], "Iberian Peninsula": ["Iberian Peninsula", "Iberia"],
    "Anatolia": ["Anatolia", "Asia Minor"], "Australasia": ["Australasia"],
}

# Language phrase -> id; a city's languages get ids by scanning its table strings with the same phrases.
_LANGUAGES = {
    "english": ["English"], "spanish": ["Spanish", "Castilian"], "portuguese": ["Portuguese"], "french": ["French"],
    "german": ["German"], "italian": ["Italian"], "russian": ["Russian"], "ukrainian": ["Ukrainian"], "romanian": ["Romanian"],
    "hungarian": ["Hungarian", "Magyar"], "turkish": ["Turkish"], "arabic": ["Arabic", "Darija"], "persian": ["Persian", "Farsi"],
    "urdu": ["Urdu"], "hindi": ["Hindi"], "bengali": ["Bengali", "Bangla"], "punjabi": ["Punjabi"], "sindhi": ["Sindhi"],
    "marathi": ["Marathi"], "gujarati": ["Gujarati"], "tamil": ["Tamil"], "telugu": ["Telugu"], "kannada": ["Kannada"],
    "malayalam": ["Malayalam"], "chinese": ["Chinese"], "mandarin": ["Mandarin"], "cantonese": ["Cantonese"],
    "hokkien": ["Hokkien", "Taiwanese"], "wu": ["Wu Chinese", "Shanghainese"], "japanese": ["Japanese"], "korean": ["Korean"],
    "thai": ["Thai"], "vietnamese": ["Vietnamese"], "burmese": ["Burmese", "Myanmar language"], "indonesian": ["Indonesian", "Bahasa"],
    "malay": ["Malay"], "javanese": ["Javanese"], "sundanese": ["Sundanese"], "madurese": ["Madurese"], "batak": ["Batak"],
    "filipino": ["Filipino", "Tagalog"], "uzbek": ["Uzbek"], "amharic": ["Amharic"], "oromo": ["Oromo", "Afaan Oromo"],
    "lingala": ["Lingala"], "dioula": ["Dioula", "Dyula"], "quechua": ["Quechua"], "kurdish": ["Kurdish"],
    "berber": ["Berber", "Amazigh", "Tamazight"], "swahili": ["Swahili"], "dutch": ["Dutch"], "greek": ["Greek"],
    "polish": ["Polish"], "hebrew": ["Hebrew"], "swedish": ["Swedish"], "yoruba": ["Yoruba"], "hausa": ["Hausa"],
    "zulu": ["Zulu"], "afrikaans": ["Afrikaans"], "nepali": ["Nepali"], "sinhala": ["Sinhala"], "khmer": ["Khmer"],
    "lao": ["Lao"], "mongolian": ["Mongolian"], "kazakh": ["Kazakh"], "latin": ["Latin"],
}
# Chinese covers its varieties; a question about "Chinese" matches Mandarin, Cantonese, Wu or Hokkien speakers.
_LANGUAGE_FAMILY = {"mandarin": "chinese", "cantonese": "chinese", "wu": "chinese", "hokkien": "chinese"}

_EXTRA_STATES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida",
    "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland",
    "Massachusetts", "Michigan", "Minnesota", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire",
    "New Jersey", "New Mexico", "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania",
    "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
    "Washington State", "West Virginia", "Wisconsin", "Wyoming", "Ontario", "Quebec", "British Columbia", "Alberta",
    "Manitoba", "Nova Scotia", "New South Wales", "Victoria state", "Queensland", "Western Australia", "Tasmania",
    "Guangdong", "Fujian", "Zhejiang", "Jiangsu", "Shandong", "Hebei", "Henan", "Hubei", "Hunan", "Sichuan",
    "Yunnan", "Guizhou", "Guangxi", "Shaanxi", "Shanxi", "Gansu", "Liaoning", "Jilin", "Heilongjiang", "Anhui",
    "Jiangxi", "Hainan", "Inner Mongolia", "Xinjiang", "Tibet", "Qinghai", "Ningxia", "Maharashtra", "Karnataka",
    "Tamil Nadu", "Kerala", "Telangana", "Andhra Pradesh", "West Bengal", "Uttar Pradesh", "Bihar", "Rajasthan",
    "Gujarat", "Madhya Pradesh", "Goa", "Punjab", "Haryana", "Assam", "Odisha", "Sindh", "Balochistan",
    "Khyber Pakhtunkhwa", "Sao Paulo state", "Minas Gerais", "Bahia", "Ceara", "Parana", "Pernambuco",
    "Rio Grande do Sul", "Amazonas", "West Java", "Central Java", "East Java", "North Sumatra", "Bali province",
    "Kanagawa", "Aichi", "Hokkaido prefecture", "Antioquia", "Valle del Cauca", "Cundinamarca", "Guayas", "Bavaria",
    "Catalonia", "Andalusia", "Lazio", "Lombardy", "Tuscany", "Ile-de-France", "Provence", "Razavi Khorasan",
)

# Seas and oceans: full names always count; these single words count on their own too.
_SEA_CORES = ("pacific", "atlantic", "arctic", "mediterranean", "baltic", "aegean", "adriatic", "caspian", "bosphorus")
_EXTRA_SEAS = (
    "Pacific Ocean", "Atlantic Ocean", "Indian Ocean", "Arctic Ocean", "Southern Ocean", "Mediterranean Sea",
    "Caribbean Sea", "Red Sea", "Black Sea", "Caspian Sea", "Baltic Sea", "North Sea", "Arabian Sea", "Bay of Bengal",
    "South China Sea", "East China Sea", "Yellow Sea", "Sea of Japan", "East Sea", "Java Sea", "Persian Gulf",
    "Arabian Gulf", "Gulf of Mexico", "Gulf of Thailand", "Andaman Sea", "Aegean Sea", "Adriatic Sea", "Tasman Sea",
    "Coral Sea", "English Channel", "Bohai Sea", "Strait of Malacca", "Gulf of Guinea", "Sea of Marmara",
    "Gulf of Finland", "Tyrrhenian Sea", "Ionian Sea", "Bering Sea", "Philippine Sea", "Celebes Sea", "Korea Strait",
)
_EXTRA_RIVERS = (
    "Amazon", "Mississippi River", "Rhine", "Elbe", "Rhone", "Po River", "Volga", "Mekong", "Ganges", "Brahmaputra",
    "Indus", "Euphrates", "Tigris", "Jordan River", "Niger River", "Congo River", "Zambezi", "Orinoco", "Parana River",
    "Rio Grande", "St Lawrence River", "Colorado River", "Ob River", "Yenisei", "Lena River", "Danube", "Thames",
    "Seine", "Tiber", "Nile", "Yangtze", "Yellow River", "Pearl River", "Hudson", "Chao Phraya", "Rio de la Plata",
    "Buffalo Bayou", "Hooghly", "Yamuna", "Neva", "Dnieper", "Moskva River", "Saigon River", "Han River", "Huangpu",
)
# Rivers famous enough that their bare name ("Is it on the Nile?") counts without the word "river".
_FAMOUS_RIVERS = {
    "nile", "amazon", "thames", "seine", "danube", "tiber", "yangtze", "ganges", "hudson", "tigris", "euphrates",
    "mekong", "volga", "neva", "dnieper", "rhine", "elbe", "yamuna", "indus", "brahmaputra", "orinoco", "zambezi",
    "chao phraya", "rio de la plata", "hooghly", "huangpu", "rhone",
}
_EXTRA_LAKES = ("Great Lakes", "Lake Michigan", "Lake Ontario", "Lake Victoria", "Lake Geneva", "Lake Baikal", "Lake Titicaca", "Lake Erie", "Lake Superior", "Lake Toba", "Dead Sea")
_ISLANDS = (
    "Java", "Sumatra", "Borneo", "Bali", "Sulawesi", "Honshu", "Kyushu", "Hokkaido", "Shikoku", "Luzon", "Mindanao",
    "Manhattan", "Long Island", "Staten Island", "Lantau", "Salsette", "Hainan", "Sicily", "Sardinia", "Corsica",
    "Crete", "Tasmania", "Madura", "Margaret Island", "Zanzibar",
)

# ---------------------------------------------------------------------------------------------------
# Topic keywords
# ---------------------------------------------------------------------------------------------------

_AUX = {
    "is", "are", "am", "was", "were", "do", "does", "did", "has", "have", "had", "can", "could", "will", "would",
    "should", "shall", "may", "might", "must", "isn't", "aren't", "wasn't", "weren't", "doesn't", "don't", "didn't",
    "hasn't", "haven't", "can't", "couldn't", "won't", "wouldn't", "shouldn't",
}
_WH = {"what", "which", "where", "how", "who", "whom", "whose", "when", "why", "whats", "wheres", "hows"}
_IMPERATIVE = {"tell", "describe", "explain", "list", "give", "share", "mention", "say", "suggest", "recommend"}
_FILLERS = {
    "so", "ok", "okay", "alright", "well", "and", "but", "hmm", "hm", "oh", "ah", "now", "then", "also", "next",
    "great", "cool", "interesting", "nice", "right", "sure", "thanks", "thank", "please", "alrighty", "good",
    "got", "see", "understood", "yes", "no", "perfect", "wow",
}
_DECLARATIVE_START = {"your", "it", "its", "the", "this", "that", "there", "you", "my"}
# Questions about the name itself must never be answered: that is the whole game.
_NAME_WORDS = {
    "name", "named", "names", "called", "call", "spell", "spelled", "spelt", "spelling", "letter", "letters",
    "initial", "initials", "abbreviation", "acronym", "rhyme", "rhymes", "anagram", "syllable", "syllables", "backwards",
}
# A city named after one of these is a comparison, not a guess ("Is it near Tokyo?").
_BLOCK_BEFORE_CITY = {
    "near", "nearby", "close", "far", "north", "south", "east", "west", "northeast", "northwest", "southeast",
    "southwest", "than", "as", "like", "between", "to", "outside", "around", "beside", "bordering", "border",
    "borders", "across", "similar", "bigger", "smaller", "larger", "older", "hours", "km", "miles",
}

_POPULATION_CUES = {"population", "populous", "populated", "inhabitants", "residents", "million", "millions", "megacity", "metropolis", "crowded", "densely", "dense", "billion"}
_SIZE_BIG = {"big", "large", "huge", "sizable", "sizeable", "massive", "enormous"}
_SIZE_SMALL = {"small", "little", "tiny", "town", "village", "smallish"}
_LARGEST = {"largest", "biggest", "populous"}
_LANGUAGE_CUES = {"speak", "speaks", "spoken", "speaking", "language", "languages", "tongue", "dialect", "dialects", "lingua"}
_CURRENCY_CUES = {"currency", "currencies", "money", "cash", "pay", "banknotes", "coins"}
_CURRENCY_WORDS = {
    "dollar", "euro", "yen", "yuan", "renminbi", "rmb", "rupee", "rupiah", "ruble", "rouble", "lira", "peso", "baht",
    "pound", "sterling", "franc", "dinar", "rial", "taka", "dirham", "hryvnia", "kyat", "birr", "som", "sum",
    "forint", "leu", "lei", "bolivar", "real", "reais", "won", "sol", "dong", "cfa",
}
# These currency names are also common English words, so they need a currency cue nearby.
_CURRENCY_NEEDS_CUE = {"real", "reais", "won", "sol", "dong", "sum", "som", "pound", "franc", "leu", "lei"}
_TIMEZONE_CUES = {"timezone", "utc", "gmt"}
_HEMISPHERE_CUES = {"hemisphere", "hemispheres", "equator", "equatorial", "tropics", "latitude", "longitude"}
_COLONY_CUES = {
    "colony", "colonies", "colonial", "colonised", "colonized", "colonisation", "colonization", "coloniser",
    "colonizer", "colonisers", "colonizers", "colonise", "colonize",
}
# Rule words only count with a named ruler ("ruled by the British"); "part of an empire" alone is too vague.
_RULE_CUES = {"ruled", "rule", "occupied", "occupation", "empire"}
_RELIGION_WORDS = {
    "religion": None, "religions": None, "religious": None, "faith": None, "faiths": None, "worship": None,
    "islam": "islam", "islamic": "islam", "muslim": "islam", "muslims": "islam", "christian": "christian",
    "christians": "christian", "christianity": "christian", "catholic": "catholic", "catholics": "catholic",
    "catholicism": "catholic", "orthodox": "orthodox", "protestant": "protestant", "protestants": "protestant",
    "buddhism": "buddh", "buddhist": "buddh", "buddhists": "buddh", "hindu": "hindu", "hindus": "hindu",
    "hinduism": "hindu", "shinto": "shinto", "sikh": "sikh", "sikhs": "sikh", "sikhism": "sikh", "jewish": "juda",
    "judaism": "juda", "jews": "juda", "taoism": "tao", "taoist": "tao", "atheist": "atheis", "atheism": "atheis",
    "jain": "jain", "jainism": "jain",
}
# "Is X the main language/religion?" checks the first listed one; "a major religion" means any listed one.
_MAIN_WORDS = {"main", "official", "primary", "predominant", "dominant", "first", "majority", "mostly", "mainly", "principal", "chief", "national"}
_CAPITAL_QUALIFIERS_KNOWN_FOR = {
    "financial", "economic", "cultural", "business", "tech", "technology", "culinary", "food", "fashion", "film",
    "entertainment", "music", "salsa", "party", "commercial", "industrial", "gastronomic", "religious", "spiritual",
}
_STATE_WORDS = {"state", "states", "province", "provinces", "provincial", "prefecture", "prefectural", "regional", "region", "county", "department", "governorate"}
_FORMER_WORDS = {"former", "formerly", "once", "ever", "used", "previously", "historic", "historically", "past", "old"}
_COAST_CUES = {
    "coast", "coastal", "coastline", "seaside", "seashore", "shore", "shores", "sea", "seas", "ocean", "oceans",
    "bay", "waterfront", "seafront", "maritime", "landlocked", "inland", "gulf", "strait", "beach", "beaches",
    "port", "harbour", "seaport", "ports", "water", "waters",
}
_RIVER_CUES = {"river", "rivers", "riverside", "riverbank", "riverfront", "stream", "waterway"}
_LAKE_CUES = {"lake", "lakes", "lagoon", "lakeside", "lakeshore", "lakefront"}
_ISLAND_CUES = {"island", "islands", "isle", "archipelago"}
_ALTITUDE_CUES = {"altitude", "elevation", "elevated", "metres", "meters", "feet", "plateau"}
_MOUNTAIN_CUES = {"mountain", "mountains", "mountainous", "hills", "hilly", "hill", "highlands", "highland", "peaks", "peak", "range", "andes", "alps", "himalayas", "rockies"}
_VOLCANO_CUES = {"volcano", "volcanoes", "volcanic", "volcanos"}
_DESERT_CUES = {"desert", "deserts"}
_HAZARD_WORDS = {
    "earthquake": "earthquakes", "earthquakes": "earthquakes", "quake": "earthquakes", "quakes": "earthquakes",
    "seismic": "earthquakes", "typhoon": "storms", "typhoons": "storms", "hurricane": "storms", "hurricanes": "storms",
    "cyclone": "storms", "cyclones": "storms", "flood": "floods", "floods": "floods", "flooding": "floods",
    "flooded": "floods", "tsunami": "tsunamis", "tsunamis": "tsunamis", "landslide": "landslides",
    "landslides": "landslides", "mudslide": "landslides", "mudslides": "landslides", "wildfire": "wildfires",
    "wildfires": "wildfires", "bushfire": "wildfires", "bushfires": "wildfires", "sandstorm": "sandstorms",
    "sandstorms": "sandstorms", "pollution": "air pollution", "polluted": "air pollution", "smog": "air pollution",
    "smoggy": "air pollution", "heatwave": "heat waves", "heatwaves": "heat waves", "sinking": "sinking land",
    "subsidence": "sinking land", "disaster": "any", "disasters": "any",
}
_STORMS = {"typhoons", "hurricanes", "cyclones"}
_WEATHER_CUES = {
    "weather", "climate", "temperature", "temperatures", "hot", "warm", "cold", "cool", "chilly", "freezing", "humid",
    "humidity", "muggy", "dry", "arid", "rain", "rains", "rainy", "rainfall", "raining", "wet", "snow", "snows",
    "snowy", "snowfall", "snowing", "monsoon", "monsoons", "sunny", "sunshine", "tropical", "seasons", "season",
    "winter", "winters", "summer", "summers", "degrees", "heat", "frost", "frosty", "mild", "drizzle", "scorching",
    "sweltering", "windy", "foggy", "fog", "storms", "stormy", "celsius", "fahrenheit", "climates",
}
_CLIMATE_TYPES = {"tropical", "mediterranean", "desert", "continental", "oceanic", "subtropical", "arid", "semi", "temperate", "monsoon", "savanna", "highland", "polar", "maritime"}
_FOOD_CUES = {
    "food", "foods", "dish", "dishes", "cuisine", "cuisines", "eat", "eats", "eating", "eaten", "meal", "meals",
    "delicacy", "delicacies", "specialty", "speciality", "specialties", "specialities", "culinary", "snack", "snacks",
    "dessert", "desserts", "drink", "drinks", "restaurant", "restaurants", "cook", "cooking", "flavour", "flavor",
    "flavours", "flavors", "taste", "breakfast", "gastronomy", "foodie",
}
_FOOD_WORDS = {
    "seafood", "fish", "sushi", "pizza", "pasta", "noodle", "ramen", "curry", "spicy", "barbecue", "taco", "kebab",
    "dumpling", "beer", "wine", "coffee", "tea", "chocolate", "cheese", "steak", "beef", "burger", "rice", "bread",
    "pastry", "dessert", "durian", "kimchi", "hotpot", "crab", "duck", "pork", "lamb", "chicken", "biryani",
    "ceviche", "falafel", "couscous", "tagine", "tapa", "tapas", "croissant", "bagel", "sandwich", "vegetarian",
    "halal", "oyster", "clam", "shrimp", "octopus", "eel", "vinegar", "saffron", "rum", "cocktail", "tofu", "soup",
    "stew", "pancake", "pho", "goulash", "paprika", "plov", "empanada", "arepa", "feijoada", "churrasco", "asado",
    "gelato", "cake", "candy", "spice", "fruit", "mango", "apple", "coconut", "peanut", "chilli", "garlic", "olive",
    "sweets", "lobster", "sausage", "mezze", "meze", "bun", "baklava", "waffle", "spicier",
}
_FOOD_WORDS = {_stem(w) for w in _FOOD_WORDS}
_FOOD_PHRASES = (("hot", "dog"), ("hot", "dogs"), ("hot", "pot"), ("street", "food"), ("dim", "sum"), ("pad", "thai"), ("spring", "rolls"), ("ice", "cream"), ("bubble", "tea"), ("fish", "and", "chips"))
_SPORT_PHRASES = {
    ("american", "football"): "american football", ("ice", "hockey"): "ice hockey", ("field", "hockey"): "field hockey",
    ("table", "tennis"): "table tennis", ("ping", "pong"): "table tennis", ("formula", "one"): "formula one",
    ("formula", "1"): "formula one", ("f1",): "formula one", ("motor", "racing"): "formula one", ("car", "racing"): "formula one",
    ("horse", "racing"): "horse racing", ("muay", "thai"): "muay thai", ("water", "polo"): "water polo",
    ("rugby", "league"): "rugby league", ("australian", "rules"): "australian rules", ("beach", "volleyball"): "beach volleyball",
    ("martial", "arts"): "martial arts", ("lucha", "libre"): "lucha libre", ("speed", "skating"): "speed skating",
    ("football",): "football", ("soccer",): "soccer", ("cricket",): "cricket", ("baseball",): "baseball",
    ("basketball",): "basketball", ("hockey",): "hockey", ("rugby",): "rugby", ("tennis",): "tennis", ("golf",): "golf",
    ("volleyball",): "volleyball", ("badminton",): "badminton", ("boxing",): "boxing", ("wrestling",): "wrestling",
    ("sumo",): "sumo", ("cycling",): "cycling", ("running",): "running", ("athletics",): "running",
    ("marathon",): "running", ("marathons",): "running", ("swimming",): "swimming", ("skiing",): "skiing",
    ("ski",): "skiing", ("surfing",): "surfing", ("surf",): "surfing", ("sailing",): "sailing", ("polo",): "polo",
    ("esports",): "esports", ("kabaddi",): "kabaddi", ("squash",): "squash", ("handball",): "handball",
    ("capoeira",): "capoeira", ("skating",): "skating", ("kitesurfing",): "kitesurfing", ("kickboxing",): "muay thai",
    ("chinlone",): "chinlone", ("gymnastics",): "gymnastics",
}
_SPORT_CUES = {"sport", "sports", "team", "teams", "club", "clubs", "athletes", "league", "leagues", "sporting", "stadium", "stadiums"}
_LANDMARK_NOUNS = {
    "landmark", "monument", "tower", "temple", "church", "cathedral", "basilica", "mosque", "minaret", "palace",
    "castle", "fort", "fortress", "citadel", "bridge", "museum", "gallery", "statue", "pyramid", "ruin", "wall",
    "shrine", "pagoda", "park", "garden", "fountain", "skyscraper", "square", "plaza", "gate", "tomb", "mausoleum",
    "market", "bazaar", "opera", "theatre", "arch", "lighthouse", "zoo", "cemetery", "observatory", "pier",
    "promenade", "boulevard", "avenue", "sculpture", "memorial", "library", "monastery", "cave", "sphinx", "canal",
    "wonder", "building",
}
_LANDMARK_NOUNS = {_stem(w) for w in _LANDMARK_NOUNS}
_LANDMARK_CUES = {
    "landmark", "landmarks", "monument", "monuments", "attraction", "attractions", "sight", "sights", "sightseeing",
    "tourist", "tourists", "tourism", "visit", "visiting", "visitors", "architecture", "buildings", "building", "see",
}
_HISTORY_CUES = {
    "history", "historic", "historical", "founded", "established", "settled", "built", "origin", "origins", "ancient",
    "old", "older", "oldest", "centuries", "century", "age", "medieval", "modern", "young", "dynasty", "dynasties",
    "planned", "purpose", "war", "wars", "battle", "revolution", "founder", "founding", "dates", "date",
}
_INDUSTRY_CUES = {"industry", "industries", "industrial", "economy", "economic", "jobs", "job", "business", "businesses", "companies", "company", "employer", "employers", "exports", "export", "manufacturing"}
_INDUSTRIAL_WORDS = {"manufacturing", "industry", "steel", "machinery", "textile", "car", "petrochemical", "shipbuilding", "chemical", "coal", "factory", "heavy", "electronic", "aerospace"}
_FAMOUS_CUES = {
    "famous", "known", "renowned", "noted", "notable", "famed", "celebrated", "special", "unique", "recognized",
    "recognised", "iconic", "popular", "associated", "linked", "connected",
}
_DESCRIBE_CUES = {"describe", "description", "hint", "hints", "clue", "clues", "like", "about", "overview", "summary"}
_OLYMPIC_CUES = {"olympic", "olympics", "olympiad"}
_SEARCH_VERBS = {"have", "has", "there", "known", "famous", "home", "contain", "contains", "host", "hosted", "feature", "features", "renowned", "noted"}

_STOPWORDS = {
    "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "has", "have", "had", "can", "could",
    "will", "would", "should", "shall", "may", "might", "must", "it", "its", "it's", "the", "a", "an", "of", "in",
    "on", "at", "to", "for", "with", "by", "from", "and", "or", "your", "you", "yours", "my", "our", "their", "they",
    "them", "there", "this", "that", "these", "those", "city", "cities", "town", "towns", "place", "places",
    "hometown", "home", "known", "famous", "well", "renowned", "popular", "notable", "noted", "particularly",
    "especially", "very", "really", "much", "many", "lot", "lots", "any", "some", "kind", "type", "sort", "major",
    "big", "large", "important", "main", "mainly", "people", "local", "locals", "live", "living", "area", "areas",
    "region", "hub", "centre", "something", "thing", "things", "one", "ones", "also", "still", "ever", "often",
    "usually", "typically", "generally", "around", "quite", "more", "most", "own", "good", "great", "best", "top",
    "world", "famed", "associated", "connected", "linked", "related", "as", "like", "such", "which", "what", "who",
    "where", "when", "how", "why", "if", "whether", "not", "no", "yes", "i", "me", "we", "us", "he", "she", "there's",
    "contain", "contains", "host", "hosted", "feature", "features", "celebrated", "iconic", "special", "unique",
    "recognized", "recognised", "significant", "anything", "else", "other", "another", "all", "every", "each",
    "located", "situated", "found", "near", "nearby", "close", "into", "out", "up", "down", "over", "under",
    "about", "so", "too", "just", "only", "even", "here", "then", "than", "now", "today", "currently", "still",
    "called", "worldwide", "internationally", "globally", "country", "nation", "does", "doing", "make", "makes",
    "made", "produce", "produces", "producing", "significant", "strong", "big", "huge", "major", "world's",
    "small", "little", "tiny", "massive", "enormous", "sizable", "sizeable", "smallish", "particular", "specific",
    "certain", "types", "kinds", "rich", "long", "interesting", "fascinating", "storied", "before", "after",
}

# ---------------------------------------------------------------------------------------------------
# Gazetteer
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    kind: str
    value: Any
    start: int
    end: int


class _Lexicon:
    """Longest-match phrase table over folded tokens, built once from the package data."""

    def __init__(self) -> None:
        self.phrases: dict[tuple[str, ...], list[tuple[str, Any]]] = {}
        self.max_len = 1

    def add(self, phrase: str, kind: str, value: Any) -> None:
        key = _tokens(phrase)
        if not key:
            return
        entries = self.phrases.setdefault(key, [])
        if (kind, value) not in entries:
            entries.append((kind, value))
        self.max_len = max(self.max_len, len(key))

    def scan(self, toks: tuple[str, ...]) -> tuple[_Mention, ...]:
        found: list[_Mention] = []
        i = 0
        while i < len(toks):
            for n in range(min(self.max_len, len(toks) - i), 0, -1):
                entries = self.phrases.get(toks[i : i + n])
                if entries:
                    found.extend(_Mention(kind, value, i, i + n) for kind, value in entries)
                    i += n
                    break
            else:
                i += 1
        return tuple(found)


_RIVER_NAME = re.compile(r"^(?:the\s+)?(?:river\s+)?(.+?)(?:\s+river)?$")


def _river_core(name: str) -> str | None:
    """"the Yangtze River" -> "yangtze"; descriptive entries ("the river that ...") -> None."""
    name = re.sub(r"\s*\(.*?\)", "", name).strip()
    if not name or not any(ch.isupper() for ch in name.replace("the ", "", 1)[:1]):
        return None
    core = _RIVER_NAME.match(fold(name))
    return core.group(1) if core else None


# Built once on first use. Plain module singletons rather than lru_cache: benchmarks clear every
# lru_cache of this module to time a cold question parse, and that should not rebuild the data.
_FACTS: dict[str, dict[str, Any]] | None = None
_LEXICON: _Lexicon | None = None


def _facts_table() -> dict[str, dict[str, Any]]:
    global _FACTS
    if _FACTS is None:
        _FACTS = read_json("guess_my_city_facts.json")["cities"]
    return _FACTS


def _lexicon() -> _Lexicon:
    global _LEXICON
    if _LEXICON is None:
        _LEXICON = _build_lexicon()
    return _LEXICON


def _build_lexicon() -> _Lexicon:
    lex = _Lexicon()
    facts = _facts_table()
    aliases = city_aliases()
    # Cities: the list spelling, every alias, and old names; other world cities map to None (a wrong guess).
    for key in guess_my_city_cities("all100"):
        for name in (key.split(",")[0], *aliases[key], *_HISTORIC_NAMES.get(key, [])):
            lex.add(name, "city", key)
    for name in _OTHER_CITIES:
        lex.add(name, "city", None)
    # Countries: the table's names, the list spellings from country_aliases(), demonyms, other countries.
    list_country_id: dict[str, str] = {}
    for key, f in facts.items():
        list_country_id.setdefault(key.split(", ", 1)[1], f["country"])
        for name in f["country_names"]:
            lex.add(name, "country", f["country"])
    for list_name, spellings in country_aliases().items():
        for name in spellings:
            lex.add(name, "country", list_country_id.get(list_name, list_name))
    for demonym, ids in _DEMONYMS.items():
        for cid in ids:
            lex.add(demonym, "country", cid)
    for name in _OTHER_COUNTRIES:
        lex.add(name, "country", _COUNTRY_SYNONYMS.get(name, name))
    for continent, names in _CONTINENTS.items():
        for name in names:
            lex.add(name, "continent", (continent,))
    for name, group in _CONTINENT_GROUPS.items():
        lex.add(name, "continent", group)
    for region, names in _REGIONS.items():
        for name in names:
            lex.add(name, "region", region)
    for lang, names in _LANGUAGES.items():
        for name in names:
            lex.add(name, "language", lang)
    # States, seas, rivers, lakes and islands: the value is the folded phrase looked up in the city's text.
    states = {s for f in facts.values() for s in f["state"]} | set(_EXTRA_STATES)
    for s in states:
        core = re.sub(r"\s+(state|province|prefecture)$", "", s, flags=re.I)
        lex.add(s, "state", fold(core))
        lex.add(core, "state", fold(core))
    seas = {s for f in facts.values() for s in f["seas"]} | set(_EXTRA_SEAS)
    for s in seas:
        lex.add(s, "sea", fold(s))
        lex.add(re.sub(r"^the\s+", "", s, flags=re.I), "sea", fold(s))
    for core in _SEA_CORES:
        lex.add(core, "sea", core)
    lex.add("Caribbean", "sea", "caribbean")
    rivers = {r for f in facts.values() for r in f["rivers"]} | set(_EXTRA_RIVERS)
    for r in rivers:
        core = _river_core(r)
        if core:
            lex.add(core + " river", "river", core)
            lex.add("river " + core, "river", core)
            lex.add(core, "river_bare", core)
    lakes = {lk for f in facts.values() for lk in f["lakes"]} | set(_EXTRA_LAKES)
    for lk in lakes:
        name = re.sub(r"\s*,.*$", "", re.sub(r"^the\s+", "", lk, flags=re.I))
        if name[:1].isupper():
            lex.add(name, "lake", fold(name))
    for isl in _ISLANDS:
        lex.add(isl, "island", fold(isl))
    lex.add("Great Britain", "island", "great britain")
    return lex


# ---------------------------------------------------------------------------------------------------
# Parsing: question text -> Intent (cached, city-independent)
# ---------------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
    "thousand": 1000, "a": 1,
}
_LESS = {"less", "fewer", "under", "below", "smaller", "lower"}


def _last_question(text: str) -> str:
    """The sentence that carries the question: agents often preface it ("Great. Is it in Asia?")."""
    parts = [p for p in _SENTENCE_END.split(text.strip()) if p.strip()]
    asked = [p for p in parts if p.rstrip().endswith("?")]
    return (asked or parts or [text])[-1]


def _number(toks: tuple[str, ...], i: int) -> tuple[float, int] | None:
    """The number starting at toks[i] ("10", "10,000,000", "ten", "10m") and the index after it."""
    t = toks[i]
    if t.isdigit():
        j, digits = i + 1, t
        while j < len(toks) and len(toks[j]) == 3 and toks[j].isdigit():  # "10,000,000" splits on commas
            digits += toks[j]
            j += 1
        return float(digits), j
    if re.fullmatch(r"\d+(?:m|k)", t):
        return float(t[:-1]) * (1e6 if t.endswith("m") else 1e3), i + 1
    if t in _NUMBER_WORDS and t != "a":
        return float(_NUMBER_WORDS[t]), i + 1
    return None


def _population_threshold(toks: tuple[str, ...]) -> tuple[str, float] | None:
    """("gt"|"lt", millions) from "more than 10 million", "under 500,000 people", "over 5m"."""
    for i in range(len(toks)):
        got = _number(toks, i)
        if not got:
            continue
        value, j = got
        unit = toks[j] if j < len(toks) else ""
        if unit in ("million", "millions", "m", "mn"):
            millions = value
        elif unit in ("billion", "billions"):
            millions = value * 1000
        elif unit in ("thousand", "k"):
            millions = value / 1000
        elif value >= 1000:
            millions = value / 1e6
        else:
            continue
        before = set(toks[max(0, i - 3) : i])
        return ("lt" if before & _LESS else "gt"), millions
    return None


def _form(toks: tuple[str, ...], text: str) -> tuple[str | None, tuple[str, ...]]:
    """("yesno" | "open" | "bare" | None, tokens with polite wrappers and fillers removed)."""
    i = 0
    while i < len(toks) - 1 and toks[i] in _FILLERS:
        i += 1
    toks = toks[i:]
    if not toks:
        return None, toks
    # "Can you tell me (whether) ...", "Do you know (if|what) ...", "I wonder if ...", "I'd like to know ..."
    rest: tuple[str, ...] | None = None
    if len(toks) > 2 and toks[0] in {"can", "could", "would", "will"} and toks[1] == "you" and toks[2] in _IMPERATIVE:
        rest = toks[3:]
    elif len(toks) > 2 and toks[0] in {"do", "does"} and toks[1] == "you" and toks[2] == "know":
        rest = toks[3:]
    elif toks[0] in {"i", "i'd", "i'm"} and len(toks) > 1 and toks[1] in {"wonder", "want", "would", "like", "need", "wondering", "curious"}:
        k = 1  # skip to the question proper: "I'd like to know [the weather]", "I wonder [if ...]"
        while k < len(toks) and toks[k] not in {"if", "whether", "about"} | _WH:
            k += 1
            if toks[k - 1] in {"know", "ask", "learn", "hear"}:
                break
        if k >= len(toks):
            return None, toks
        rest = toks[k:]
    if rest is not None:
        while rest and rest[0] in {"me", "us", "a", "bit", "little", "more"}:
            rest = rest[1:]
        if rest and rest[0] in {"if", "whether"}:
            return "yesno", rest[1:]
        return "open", rest or toks
    first = toks[0]
    if first in _IMPERATIVE or first in _WH:
        return "open", toks
    if first == "name" and len(toks) > 1 and toks[1] in {"a", "an", "some", "one", "two", "three", "any", "the"} and "of" not in toks[1:3]:
        return "open", toks[1:]
    if first in _AUX:
        return "yesno", toks
    stripped = text.rstrip()
    if first in _DECLARATIVE_START and stripped.endswith("?"):
        return "yesno", toks
    if len(toks) <= 3 and stripped.endswith("?"):
        return "bare", toks
    return None, toks


def _has(toks: tuple[str, ...], *phrase: str) -> bool:
    n = len(phrase)
    return any(toks[i : i + n] == phrase for i in range(len(toks) - n + 1))


def _keywords(toks: tuple[str, ...], mentions: tuple[_Mention, ...], drop: set[str]) -> tuple[str, ...]:
    """Content words left once stopwords, cue words and recognised names are removed, as stems."""
    covered = {i for m in mentions if m.kind not in ("language", "country") for i in range(m.start, m.end)}
    out = []
    for i, t in enumerate(toks):
        s = _stem(t)
        if i in covered or t in _STOPWORDS or s in _STOPWORDS or t in drop or t.isdigit() or len(t) < 2:
            continue
        if s not in out:
            out.append(s)
    return tuple(out)


@lru_cache(maxsize=65536)
def _parse(question: str) -> Intent:
    """Read one question into an Intent. Pure function of the text: safe to cache across cities."""
    if not question or len(question) > MAX_QUESTION_CHARS:
        return _UNKNOWN_INTENT
    lex = _lexicon()
    all_toks = _tokens(question)
    if not all_toks:
        return _UNKNOWN_INTENT
    # 1. Naming a city anywhere is a guess: that is how the game is won (or a wrong guess is made).
    named = [m for m in lex.scan(all_toks) if m.kind == "city"]
    for m in named:
        if set(all_toks[max(0, m.start - 4) : m.start]) & _BLOCK_BEFORE_CITY:
            return _UNKNOWN_INTENT  # a comparison with another city ("near Tokyo?"): the table cannot answer it
    if named:  # list cities carry their key; other world cities (value None) are simply wrong guesses
        return Intent("guess", True, frozenset(m.value for m in named if m.value is not None))
    # 2. Otherwise read the sentence that carries the question.
    text = _last_question(question)
    form, toks = _form(_tokens(text), text)
    if form is None or not toks:
        return _UNKNOWN_INTENT
    if set(toks) & _NAME_WORDS:
        return _UNKNOWN_INTENT
    mentions = lex.scan(toks)
    if form == "bare":  # "Asia?" is a yes/no question, "Weather?" an open one
        form = "yesno" if mentions else "open"
    intent = _topic(toks, mentions, form)
    return intent or _UNKNOWN_INTENT


def _topic(toks: tuple[str, ...], mentions: tuple[_Mention, ...], form: str) -> Intent | None:
    """Ordered rules: the first topic whose cues appear wins. Order matters where cues overlap."""
    yn = form != "open"
    ts = set(toks)
    kinds: dict[str, list[Any]] = {}
    for m in mentions:
        kinds.setdefault(m.kind, []).append(m.value)
    countries = frozenset(kinds.get("country", ()))
    states = frozenset(kinds.get("state", ()))
    continents = frozenset(c for group in kinds.get("continent", ()) for c in group)
    regions = frozenset(kinds.get("region", ()))

    # Capital status comes before place names: "Is it the capital of Japan?" is not "Is it in Japan?".
    if ts & {"capital", "capitals"}:
        idx = toks.index("capital") if "capital" in ts else toks.index("capitals")
        if idx > 0 and toks[idx - 1] in _CAPITAL_QUALIFIERS_KNOWN_FOR:  # "the financial capital"
            return Intent("search", yn, (_stem(toks[idx - 1]),))
        if ts & {"current", "currently", "today", "now"}:
            level = "national"
        elif ts & _FORMER_WORDS or toks[0] in {"was", "were", "wasn't", "did", "had"}:
            level = "former"
        elif ts & _STATE_WORDS or states:
            level = "state"
        else:
            level = "national"
        places = frozenset(
            [("country", c) for c in countries] + [("state", s) for s in states]
            + [("continent", c) for c in continents] + [("region", r) for r in regions]
        )
        return Intent("capital", yn, (level, places))
    if _has(toks, "city", "state") or _has(toks, "own", "country") or _has(toks, "also", "a", "country") or _has(toks, "country", "itself"):
        return Intent("city_state", yn)
    # Population, including "largest city" (before country names: "the largest city in China?").
    if (ts & _POPULATION_CUES or _has(toks, "how", "many", "people") or _has(toks, "people", "live")
            or (ts & _LARGEST and ts & {"city", "cities"}) or _has(toks, "most", "populous")):
        threshold = _population_threshold(toks)
        if threshold:
            return Intent("population", yn, threshold)
        if ts & _LARGEST:
            if ts & {"second", "third", "fourth", "fifth"}:  # rank questions the table cannot answer
                return None
            if ts & {"world", "earth", "globe", "planet"}:
                return Intent("population", yn, ("gt", 20.0))
            return Intent("population", yn, ("largest", countries))
        if ts & {"megacity", "metropolis"}:
            return Intent("population", yn, ("gt", 10.0))
        if yn and ts & _SIZE_SMALL:
            return Intent("population", yn, ("lt", 1.0))
        if yn:
            return Intent("population", yn, ("gt", 1.0))
        return Intent("population", False)
    # Languages need a speaking cue; without one "Chinese" or "Spanish" names a country.
    if ts & _LANGUAGE_CUES:
        langs = frozenset(kinds.get("language", ()))
        if yn and langs:
            return Intent("language", True, (langs, bool(ts & _MAIN_WORDS)))
        return None if yn else Intent("language", False)
    asked_currency = tuple(t for t in toks if t in _CURRENCY_WORDS and (t not in _CURRENCY_NEEDS_CUE or ts & _CURRENCY_CUES))
    if ts & _CURRENCY_CUES or asked_currency:
        us = bool(ts & {"us", "american", "usd"}) and "dollar" in asked_currency
        if yn and not asked_currency:
            return None
        return Intent("currency", yn, (asked_currency, us))
    if ts & _TIMEZONE_CUES or _has(toks, "time", "zone") or _has(toks, "time", "difference"):
        return None if yn else Intent("timezone", False)
    if ts & _HEMISPHERE_CUES:
        for side in ("northern", "southern", "eastern", "western"):
            if side in ts:
                return Intent("hemisphere", yn, side)
        if ts & {"equator", "equatorial"}:
            if ts & {"south", "below", "under"}:
                return Intent("hemisphere", yn, "southern")
            if ts & {"north", "above"}:
                return Intent("hemisphere", yn, "northern")
            return Intent("hemisphere", yn, "equator")
        if "tropics" in ts:
            return Intent("hemisphere", yn, "tropics")
        return None if yn else Intent("hemisphere", False)
    if yn and ts & {"climate", "climates"} and ts & _CLIMATE_TYPES:
        return Intent("climate_type", True, tuple(sorted(ts & _CLIMATE_TYPES - {"semi"})))
    adjectives = [_COLONIAL_ADJ[t] for t in toks if t in _COLONIAL_ADJ]
    if ts & _COLONY_CUES or (ts & _RULE_CUES and adjectives):
        return Intent("colonial", yn, adjectives[0] if adjectives else None)
    religion = [_RELIGION_WORDS[t] for t in toks if t in _RELIGION_WORDS]
    if religion:
        named = [r for r in religion if r]
        if yn and not named:
            return None
        return Intent("religion", yn, (named[0] if named else None, bool(ts & _MAIN_WORDS)))
    if ts & _OLYMPIC_CUES:
        return Intent("olympics", True) if yn else Intent("olympics", False)
    # Food before country names: "Is it known for Chinese food?" asks about food.
    if ts & _FOOD_CUES or any(_stem(t) in _FOOD_WORDS for t in toks) or any(_has(toks, *p) for p in _FOOD_PHRASES):
        return Intent("food", yn, _keywords(toks, (), _FOOD_CUES))
    if countries:
        said = next(" ".join(toks[m.start:m.end]) for m in mentions if m.kind == "country")
        return Intent("country", yn, (countries, said))
    if states:
        return Intent("state", yn, states)
    if continents or regions:
        seas = frozenset(kinds.get("sea", ()))
        if seas and ts & (_COAST_CUES - {"water", "waters"}):  # "on the Caribbean coast" is a sea
            return Intent("coast", yn, ("sea", seas))
        return Intent("place", yn, (continents, regions))
    if not yn and ts & {"country", "nation"}:
        return Intent("country", False)
    if not yn and ts & {"state", "province", "prefecture"}:
        return Intent("state", False)
    if not yn and (ts & {"continent", "continents", "hemisphere"} or ts & {"where", "located", "situated", "location"} and not ts & (_COAST_CUES | _RIVER_CUES)):
        return Intent("place", False, (frozenset(), frozenset()))
    if not yn and _has(toks, "part", "of", "the", "world"):
        return Intent("place", False, (frozenset(), frozenset()))
    if "island" in kinds or ts & _ISLAND_CUES:
        return Intent("island", yn, frozenset(kinds.get("island", ())))
    # Altitude before coast ("above sea level") and mountains ("high in the mountains").
    if (ts & _ALTITUDE_CUES or _has(toks, "sea", "level") or _has(toks, "high", "up")
            or ("high" in ts and ts & _MOUNTAIN_CUES) or _has(toks, "low", "lying")):
        if "plateau" in ts and not ts & (_ALTITUDE_CUES - {"plateau"}):
            return Intent("search", yn, ("plateau",))
        low = bool(ts & {"low", "lying", "level"}) and not ts & {"above", "high"}
        return Intent("altitude", yn, "low" if low else "high")
    if "sea" in kinds or ts & _COAST_CUES:
        if "sea" in kinds:
            return Intent("coast", yn, ("sea", frozenset(kinds["sea"])))
        if ts & {"landlocked", "inland"}:
            return Intent("coast", yn, ("inland", None))
        if ts & {"beach", "beaches"}:
            return Intent("coast", yn, ("beach", None))
        if ts & {"port", "harbour", "harbor", "seaport", "ports"}:
            return Intent("coast", yn, ("port", None))
        if ts & {"near", "close", "nearby", "far", "distance"}:
            return Intent("coast", yn, ("near", None))
        return Intent("coast", yn, ("coastal", None))
    rivers = frozenset(kinds.get("river", ()))
    if not rivers and "river_bare" in kinds:  # bare names count if famous ("the Nile") or said with "river"
        rivers = frozenset(v for v in kinds["river_bare"] if v in _FAMOUS_RIVERS or ts & _RIVER_CUES)
    if rivers or ts & _RIVER_CUES:
        return Intent("river", yn, rivers)
    if "lake" in kinds or ts & _LAKE_CUES:
        return Intent("lake", yn, frozenset(kinds.get("lake", ())))
    if ts & _VOLCANO_CUES:
        return Intent("volcano", yn)
    if ts & _MOUNTAIN_CUES:
        return Intent("mountains", yn)
    if ts & _DESERT_CUES and "climate" not in ts:
        return Intent("weather", yn, (("desert", True),) if yn else ())
    hazards = {_HAZARD_WORDS[t] for t in toks if t in _HAZARD_WORDS}
    if _has(toks, "heat", "wave") or _has(toks, "heat", "waves"):
        hazards.add("heat waves")
    if _has(toks, "dust", "storm") or _has(toks, "dust", "storms"):
        hazards.add("sandstorms")
    if _has(toks, "tropical", "storm") or _has(toks, "tropical", "storms"):
        hazards.add("storms")
    if hazards:
        return Intent("hazard", yn, frozenset(hazards))
    if ts & _WEATHER_CUES:
        return _weather_intent(toks, ts, yn)
    sports = [v for p, v in _SPORT_PHRASES.items() if _has(toks, *p)]
    if sports or ts & _SPORT_CUES:
        # "american football" also contains "football": keep the longest name only.
        sports = [s for s in sports if not any(s != o and s in o for o in sports)]
        return Intent("sports", yn, sports[0] if sports else None)
    landmark_nouns = tuple(dict.fromkeys(_stem(t) for t in toks if _stem(t) in _LANDMARK_NOUNS - {"landmark", "building", "monument"}))
    if landmark_nouns or ts & _LANDMARK_CUES:
        return Intent("landmark", yn, landmark_nouns)
    if ts & _HISTORY_CUES or _has(toks, "years", "old"):
        return _history_intent(toks, ts, mentions, yn)
    if ts & _INDUSTRY_CUES:
        kw = _keywords(toks, mentions, _INDUSTRY_CUES)
        if yn and kw:
            return Intent("search", True, kw)
        if yn and "industrial" not in ts:
            return None
        return Intent("industry", yn)
    if ts & _FAMOUS_CUES or (yn and ts & _SEARCH_VERBS):
        kw = _keywords(toks, mentions, _FAMOUS_CUES | _SEARCH_VERBS)
        if kw:
            return Intent("search", yn, kw)
        if ts & _FAMOUS_CUES:
            return Intent("famous", yn)
        return None
    if ts & {"hint", "hints", "clue", "clues"} or (not yn and ts & _DESCRIBE_CUES):
        return Intent("describe", False)
    # "Is it a pilgrimage city?", "Is it a university town?": look the content words up in the facts.
    if yn and len(toks) > 3 and toks[0] in {"is", "was"} and toks[1] == "it" and toks[2] in {"a", "an"}:
        kw = _keywords(toks, mentions, set())
        if kw:
            return Intent("search", True, kw)
    if ts & (_SIZE_BIG | _SIZE_SMALL) and ts & {"city", "it", "town", "place"}:
        return Intent("population", yn, ("lt", 1.0) if ts & _SIZE_SMALL else ("gt", 1.0)) if yn else Intent("population", False)
    if not yn and (ts & {"special", "interesting", "unique"} or _has(toks, "stand", "out")):
        return Intent("famous", False)
    return None


def _weather_intent(toks: tuple[str, ...], ts: set[str], yn: bool) -> Intent:
    """Yes/no weather questions become climate flags that must all hold ("hot and humid all year")."""
    if not yn:
        return Intent("weather", False)
    flags: list[tuple[str, bool]] = []
    all_year = _has(toks, "all", "year") or _has(toks, "year", "round") or _has(toks, "all", "the", "time") or "always" in ts or _has(toks, "whole", "year") or "yearround" in ts
    if ts & {"snow", "snows", "snowy", "snowfall", "snowing"}:
        flags.append(("snow", True))
    if _has(toks, "rainy", "season") or _has(toks, "wet", "season") or _has(toks, "dry", "season") or ts & {"monsoon", "monsoons"}:
        flags.append(("rainy_season", True))
    elif ts & {"rain", "rains", "rainy", "rainfall", "raining", "wet", "drizzle"}:
        flags.append(("wet", True))
    if ts & {"humid", "humidity", "muggy", "steamy", "sticky"}:
        flags.append(("humid", True))
    if ts & {"dry", "arid"} and not _has(toks, "dry", "season"):
        flags.append(("arid", True))
    if "tropical" in ts:
        flags.append(("tropical", True))
    if "seasons" in ts:
        flags.append(("four_seasons", True))
    if "mild" in ts and ts & {"winter", "winters"}:
        flags.append(("cold_winters", False))
    elif ts & {"cold", "freezing", "chilly", "frost", "frosty"}:
        flags.append(("cold_winters", True))
    if ts & {"hot", "warm", "heat", "scorching", "sweltering", "boiling"}:
        flags.append(("warm_year_round", True) if all_year else ("hot", True))
    elif "cool" in ts:
        flags.append(("hot", False))
    if not flags:
        return _UNKNOWN_INTENT
    return Intent("weather", True, tuple(flags))


def _history_intent(toks: tuple[str, ...], ts: set[str], mentions: tuple[_Mention, ...], yn: bool) -> Intent | None:
    """Age questions compare the founding year; other history questions search the history text."""
    if not yn:
        if ts & {"when", "founded", "old", "age", "established", "founder"}:
            return Intent("founded", False)
        return Intent("history", False)
    for i, t in enumerate(toks):
        got = _number(toks, i) if t.isdigit() or t in _NUMBER_WORDS else None
        if got and got[1] < len(toks) and toks[got[1]] in {"years", "year", "centuries", "century"}:
            years = got[0] * (100 if toks[got[1]].startswith("centur") else 1)
            less = bool(set(toks[max(0, i - 3) : i]) & _LESS)
            return Intent("age", True, ("lt" if less else "gt", years))
        if got and i > 0 and toks[i - 1] in {"before", "after"} and 100 <= got[0] <= CURRENT_YEAR:
            return Intent("age", True, ("founded_before" if toks[i - 1] == "before" else "founded_after", int(got[0])))
    if "ancient" in ts:
        return Intent("age", True, ("founded_before", 500))
    if ts & {"modern", "young", "new", "recent"}:
        return Intent("age", True, ("founded_after", 1800))
    kw = _keywords(toks, mentions, _HISTORY_CUES - {"planned", "purpose", "war", "battle", "revolution", "dynasty", "dynasties"})
    if kw:
        return Intent("search", True, kw)
    if ts & {"old", "older", "oldest", "historic", "historical", "history"}:
        return Intent("age", True, ("founded_before", 1500))
    return None


# ---------------------------------------------------------------------------------------------------
# Per-city view of the facts, with the lookups the handlers need precomputed
# ---------------------------------------------------------------------------------------------------


@dataclass
class _City:
    """One city's facts (``f``) plus folded texts and stem sets, computed once so handlers only look up."""

    key: str
    f: dict[str, Any]
    names: tuple[str, ...]
    language_ids: tuple[frozenset[str], ...]
    sea_text: str
    river_text: str
    lake_text: str
    island_text: str
    sports_text: str
    religion_words: tuple[frozenset[str], ...]
    currency_text: str
    food_stems: frozenset[str]
    food_text: str
    own_words: frozenset[str]
    items: tuple[tuple[str, frozenset[str]], ...]


def _language_ids(display: str) -> frozenset[str]:
    ids = {m.value for m in _lexicon().scan(_tokens(display)) if m.kind == "language"}
    ids |= {_LANGUAGE_FAMILY[i] for i in ids if i in _LANGUAGE_FAMILY}
    return frozenset(ids)


def _build_city(key: str, f: dict[str, Any], aliases: tuple[str, ...]) -> _City:
    demonyms = {fold(d) for d, ids in _DEMONYMS.items() if f["country"] in ids}
    language_ids = tuple(_language_ids(lang) for lang in f["languages"])
    own = frozenset(demonyms | {i for ids in language_ids for i in ids})
    # Items a keyword search may quote: each landmark, dish, industry, plus the prose facts.
    texts = [*f["landmarks"], *f["foods"], *f["industries"], f["famous_for"], f["history"], f["describe"],
             f["sports_note"], f["water"], f["mountains"], f["capital_note"]]
    items = tuple((t, _stems(t)) for t in texts)
    food_text = " | ".join([*f["foods"], *f["food_tags"], f["famous_for"], *f["industries"]])
    return _City(
        key=key, f=f, names=(key.split(",")[0], *aliases),
        language_ids=language_ids,
        sea_text=fold(" | ".join(f["seas"])),
        river_text=fold(" | ".join(f["rivers"])),
        lake_text=fold(" | ".join([*f["lakes"], f["water"]])),
        island_text=fold(f["island"]) if isinstance(f["island"], str) else "",
        sports_text=fold(" | ".join([*f["sports"], f["sports_note"]])),
        religion_words=tuple(frozenset(_tokens(r)) for r in f["religions"]),
        currency_text=fold(f["currency"]),
        food_stems=_stems(food_text),
        food_text=fold(food_text),
        own_words=own,
        items=items,
    )


# ---------------------------------------------------------------------------------------------------
# Handlers: (city, intent) -> (verdict for yes/no questions or None, answer text)
# ---------------------------------------------------------------------------------------------------

_Answer = tuple[bool | None, str]
"""A handler's result: the yes/no verdict (None for open questions) and the answer text."""


def _country_display(cid: str) -> str:
    return f"the {cid}" if cid in _THE_COUNTRIES else cid


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _state_keys(f: dict[str, Any]) -> set[str]:
    return {fold(re.sub(r"\s+(state|province|prefecture)$", "", s, flags=re.I)) for s in f["state"]}


def _h_guess(c: _City, it: Intent) -> _Answer:
    hit = c.key in it.arg
    return hit, HOME_YES if hit else HOME_NO


def _h_country(c: _City, it: Intent) -> _Answer:
    f = c.f
    if not it.yesno:
        if f["city_state"]:
            return None, "It is an independent city-state: the city is its own country."
        return None, f"It is in {f['country_phrase']}."
    ids, said = it.arg
    if f["country"] in ids:
        return True, f"Yes, it is in {f['country_phrase']}."
    if any(d in ids for d in f["disputed_with"]):  # Taipei: honest about Taiwan's status
        return False, f"No, it is in {f['country_phrase']}."
    asked = _country_display(next(iter(ids))) if len(ids) == 1 else said.title()
    if any(contains_phrase(asked, name) for name in c.names):  # "El Salvador" would name Salvador
        return False, "No, it is not in that country."
    return False, f"No, it is not in {asked}."


def _h_state(c: _City, it: Intent) -> _Answer:
    f = c.f
    if not it.yesno:
        return None, (f"It is in {f['state'][0]}." if f["state"] else f["capital_note"])
    if _state_keys(f) & it.arg:
        return True, f"Yes, it is in {f['state'][0]}."
    return False, f"No, it is not in {sorted(it.arg)[0].title()}."


def _where(f: dict[str, Any]) -> str:
    continents = f["continents"]
    if len(continents) > 1:
        return f"It straddles {_join(continents)}."
    region, continent = f["regions"][0], continents[0]
    if fold(continent) in fold(region):
        return f"It is in {region}."
    return f"It is in {region}, on the continent of {continent}."


def _in_place(f: dict[str, Any], continents: frozenset[str], regions: frozenset[str]) -> bool:
    mine = {fold(r) for r in f["regions"]}
    return bool(set(f["continents"]) & continents) or any(fold(r) in mine for r in regions)


def _h_place(c: _City, it: Intent) -> _Answer:
    f = c.f
    continents, regions = it.arg
    if not it.yesno or (not continents and not regions):
        return None, _where(f)
    if _in_place(f, continents, regions):
        if len(f["continents"]) > 1 and continents:
            return True, f"Yes, it straddles {_join(f['continents'])}."
        named = sorted(regions)[0] if regions and not continents else f["regions"][0]
        return True, f"Yes, it is in {named}."
    return False, f"No, {_lower_first(_where(f))}"


def _place_matches(c: _City, places: frozenset[tuple[str, str]]) -> bool:
    """Every place named alongside "capital" must fit: "a European capital", "the capital of Texas"."""
    f = c.f
    for kind, value in places:
        if kind == "country" and f["country"] != value:
            return False
        if kind == "state" and value not in _state_keys(f):
            return False
        if kind == "continent" and value not in f["continents"]:
            return False
        if kind == "region" and not _in_place(f, frozenset(), frozenset([value])):
            return False
    return True


def _h_capital(c: _City, it: Intent) -> _Answer:
    f = c.f
    level, places = it.arg
    note = f["capital_note"]
    if level == "former":
        if f["former_capital"]:
            return True, _yes_no(True, f["former_capital"])
        if f["national_capital"]:
            return True, "Yes, it is the national capital today."
        return False, f"No, it has never been a national capital. {note}"
    if level == "state":
        hit = f["state_capital"] and _place_matches(c, places)
    else:
        hit = f["national_capital"] and _place_matches(c, places)
        named = sorted(v for k, v in places if k == "country")
        if named and not hit:
            return False, f"No, it is not the capital of {_country_display(named[0])}."
    if not it.yesno:
        return None, note
    return hit, _yes_no(hit, note)


def _h_city_state(c: _City, it: Intent) -> _Answer:
    if c.f["city_state"]:
        return True, "Yes, it is an independent city-state: the city is also the country."
    return False, f"No, it is a city in {c.f['country_phrase']}."


def _h_population(c: _City, it: Intent) -> _Answer:
    f = c.f
    if not it.yesno or it.arg is None:
        return None, _cap(f["population_note"]) + "."
    op, value = it.arg
    if op == "largest":
        hit = f["largest_city"] and (not value or f["country"] in value)
        return hit, f"{'Yes' if hit else 'No'}, it {'is' if hit else 'is not'} the largest city in its country; {f['population_note']}."
    hit = f["population_m"] > value if op == "gt" else f["population_m"] < value
    return hit, f"{'Yes' if hit else 'No'}, {f['population_note']}."


def _h_language(c: _City, it: Intent) -> _Answer:
    langs = c.f["languages"]
    if not it.yesno:
        if len(langs) == 1:
            return None, f"People there speak {langs[0]}."
        return None, f"The main language is {langs[0]}; {_join(langs[1:])} {'is' if len(langs) == 2 else 'are'} also spoken."
    asked, main_only = it.arg
    if asked & c.language_ids[0]:
        return True, f"Yes, the main language there is {langs[0]}."
    others = [langs[i] for i, ids in enumerate(c.language_ids) if asked & ids]
    if others and not main_only:
        return True, f"Yes, {others[0]} is spoken there, though the main language is {langs[0]}."
    return False, f"No, the main language there is {langs[0]}."


def _h_currency(c: _City, it: Intent) -> _Answer:
    cur = c.f["currency"]
    uses = f"It uses {cur}." if cur.startswith(("its ", "a ")) else f"It uses the {cur}."
    asked, us = it.arg
    if not it.yesno:
        return None, uses
    if us:
        hit = "us dollar" in c.currency_text
    else:
        hit = any(_stem(w) in _stems(c.currency_text) for w in asked)
    return hit, _yes_no(hit, uses)


def _h_timezone(c: _City, it: Intent) -> _Answer:
    return None, f"It is on {c.f['timezone']}."


def _lat(f: dict[str, Any]) -> str:
    return f"{abs(f['lat']):.0f}\u00b0 {'N' if f['lat'] >= 0 else 'S'}"


def _h_hemisphere(c: _City, it: Intent) -> _Answer:
    f = c.f
    where = f"It lies at about {_lat(f)}, in the {_join(f['hemispheres'])} hemispheres."
    if not it.yesno or it.arg is None:
        return None, where
    if it.arg == "equator":
        hit = abs(f["lat"]) <= 10
    elif it.arg == "tropics":
        hit = abs(f["lat"]) < 23.44
    else:
        hit = it.arg in f["hemispheres"]
    return hit, _yes_no(hit, where)


def _h_colonial(c: _City, it: Intent) -> _Answer:
    ruled = c.f["colonial"]
    fact = f"It was under {_join(ruled)} colonial rule." if ruled else "It was never a colony."
    if not it.yesno:
        return None, fact
    hit = bool(ruled) and (it.arg is None or it.arg in ruled)
    return hit, _yes_no(hit, fact)


def _religion_matches(c: _City, stem: str, main_only: bool) -> bool:
    pool = c.religion_words[:1] if main_only else c.religion_words
    return any(any(w.startswith(stem) for w in ws) for ws in pool)


def _h_religion(c: _City, it: Intent) -> _Answer:
    rel = c.f["religions"]
    listed = f"The main religion there is {rel[0]}." if len(rel) == 1 else f"The main religions there are {_join(rel)}."
    asked, main_only = it.arg
    if not it.yesno or asked is None:
        return None, listed
    hit = _religion_matches(c, asked, main_only)
    return hit, _yes_no(hit, listed)


def _h_olympics(c: _City, it: Intent) -> _Answer:
    games = c.f["olympics"]
    fact = f"It hosted the Olympic Games in {_join(games)}." if games else "It has never hosted the Olympic Games."
    if not it.yesno:
        return None, fact
    return bool(games), _yes_no(bool(games), fact)


def _h_island(c: _City, it: Intent) -> _Answer:
    isl = c.f["island"]
    fact = f"It is on {isl}." if isl else f"It is not on an island. {c.f['water']}"
    if not it.yesno:
        return None, fact
    hit = bool(isl) and (not it.arg or any(contains_phrase(c.island_text, name) for name in it.arg))
    return hit, _yes_no(hit, fact)


def _h_coast(c: _City, it: Intent) -> _Answer:
    f = c.f
    water = f["water"]
    if not it.yesno:
        return None, water
    kind, value = it.arg
    if kind == "sea":
        hit = any(contains_phrase(c.sea_text, s) for s in value)
    elif kind == "inland":
        hit = not f["coastal"]
    elif kind == "beach":
        hit = f["beaches"]
        named = [lm for lm in f["landmarks"] if "beach" in lm.lower()]
        if hit:
            return True, f"Yes, it has popular beaches{', such as ' + named[0] if named else ''}. {water}"
        return False, f"No, it is not known for beaches. {water}"
    elif kind == "port":
        hit = f["port"]
        return hit, f"{'Yes, it is a major port' if hit else 'No, it is not a major port'}. {water}"
    elif kind == "near":
        hit = f["coastal"] or bool(f["seas"])
    else:
        hit = f["coastal"]
    return hit, _yes_no(hit, water)


def _h_river(c: _City, it: Intent) -> _Answer:
    rivers = c.f["rivers"]
    fact = f"It lies on {_join(rivers)}." if rivers else f"No major river runs through it. {c.f['water']}"
    if not it.yesno:
        return None, fact
    hit = bool(rivers) and (not it.arg or any(contains_phrase(c.river_text, r) for r in it.arg))
    if not rivers:
        return False, f"No, no major river runs through it. {c.f['water']}"
    return hit, _yes_no(hit, fact)


def _h_lake(c: _City, it: Intent) -> _Answer:
    lakes = c.f["lakes"]
    fact = f"It is near {_join(lakes)}." if lakes else "There is no notable lake nearby."
    if not it.yesno:
        return None, fact
    hit = any(contains_phrase(c.lake_text, lk) for lk in it.arg) if it.arg else bool(lakes)
    return hit, _yes_no(hit, fact)


def _h_altitude(c: _City, it: Intent) -> _Answer:
    f = c.f
    fact = f"It lies about {f['elevation_m']:,} metres above sea level."
    if not it.yesno:
        return None, f"{fact} {f['mountains']}"
    hit = f["elevation_m"] < 100 if it.arg == "low" else f["high_altitude"]
    return hit, _yes_no(hit, fact)


def _h_mountains(c: _City, it: Intent) -> _Answer:
    f = c.f
    if not it.yesno:
        return None, f["mountains"]
    return f["mountains_near"], _yes_no(f["mountains_near"], f["mountains"])


def _h_volcano(c: _City, it: Intent) -> _Answer:
    f = c.f
    if not it.yesno:
        return None, f["mountains"]
    hit = "volcan" in f["mountains"].lower() or "volcanoes" in f["hazards"]
    return hit, _yes_no(hit, f["mountains"])


_FLAG_PHRASES = {
    "snow": ("it snows there most winters", "it hardly ever snows there"),
    "cold_winters": ("winters are cold", "winters are mild"),
    "hot": ("it gets hot", "it does not get very hot"),
    "humid": ("it is humid", "it is not especially humid"),
    "arid": ("it is dry, with little rain", "it is not a dry place"),
    "rainy_season": ("it has a distinct rainy season", "it has no distinct rainy season"),
    "wet": ("it gets a lot of rain", "it does not get a great deal of rain"),
    "tropical": ("it has a tropical climate", "its climate is not tropical"),
    "four_seasons": ("it has four distinct seasons", "it does not have four distinct seasons"),
    "warm_year_round": ("it is warm all year", "it is not warm all year round"),
    "desert": ("it has a desert climate", "it does not have a desert climate"),
}


def _flag(f: dict[str, Any], name: str) -> bool:
    if name == "warm_year_round":  # lowland tropics; highland "eternal spring" cities count as warm too
        return bool(f["tropical"] and f["elevation_m"] < 1600)
    return bool(f[name])


def _h_weather(c: _City, it: Intent) -> _Answer:
    f = c.f
    if not it.yesno or not it.arg:
        return None, f"{f['weather']} Its climate is {f['climate']}."
    results = [(name, want, _flag(f, name) == want) for name, want in it.arg]
    hit = all(ok for _, _, ok in results)
    if hit:
        phrase = " and ".join(_FLAG_PHRASES[n][0 if w else 1] for n, w, _ in results)
    else:
        n, w, _ = next(r for r in results if not r[2])
        phrase = _FLAG_PHRASES[n][1 if w else 0]
    return hit, f"{'Yes' if hit else 'No'}, {phrase}. {f['weather']}"


def _h_climate_type(c: _City, it: Intent) -> _Answer:
    f = c.f
    climate = fold(f["climate"])
    hit = any(f[k] if k in ("tropical", "desert") else k in climate for k in it.arg)
    return hit, f"{'Yes' if hit else 'No'}, its climate is {f['climate']}."


def _h_hazard(c: _City, it: Intent) -> _Answer:
    have = c.f["hazards"]
    if not it.yesno:
        return None, (f"Its main natural risks are {_join(have)}." if have else "It is not especially exposed to natural disasters.")
    matched: list[str] = []
    for h in sorted(it.arg):
        if h == "any":
            matched += have
        elif h == "storms":
            matched += [x for x in have if x in _STORMS]
        elif h in have:
            matched.append(h)
    if matched:
        matched = list(dict.fromkeys(matched))
        return True, f"Yes, {_join(matched)} {'are' if len(matched) > 1 or matched[0].endswith('s') else 'is'} a known risk there."
    asked = sorted(it.arg)[0]
    asked = {"storms": "typhoons or hurricanes", "any": "natural disasters"}.get(asked, asked)
    return False, f"No, {asked} {'are' if asked.endswith('s') else 'is'} not a notable risk there."


_FOOD_CUE_STEMS = {_stem(w) for w in _FOOD_CUES}


def _food_match(c: _City, keywords: tuple[str, ...]) -> str | None:
    """The supporting phrase when the city is known for every food keyword, else None."""
    # The city's own demonyms and languages are implied ("Japanese food" in Tokyo, "Cantonese food" in Canton).
    wanted = [k for k in keywords if k not in c.own_words and k not in _FOOD_CUE_STEMS]
    foods = c.f["foods"]
    if not wanted:
        return f"it is known for {_join(foods)}"
    if not all(k in c.food_stems or contains_phrase(c.food_text, k) for k in wanted):
        return None
    dishes = [d for d in foods if set(wanted) <= _stems(d)]
    if dishes:
        return f"for example {dishes[0]}"
    tags = [t for t in c.f["food_tags"] if set(wanted) & _stems(t)]
    if tags:
        return f"it is known for {_join(tags)}; typical dishes include {_join(foods)}"
    return f"it is known for {c.f['famous_for']}"


def _h_food(c: _City, it: Intent) -> _Answer:
    known = f"It is known for {_join(c.f['foods'])}."
    if not it.yesno:
        return None, known
    support = _food_match(c, it.arg)
    if support:
        return True, f"Yes, {support}."
    return False, f"No, not especially; {_lower_first(known)}"


def _h_sports(c: _City, it: Intent) -> _Answer:
    f = c.f
    listing = f"Popular sports there include {_join(f['sports'])}. {f['sports_note']}"
    if not it.yesno:
        return None, listing
    sport = it.arg
    if sport is None:
        return True, f"Yes. {f['sports_note']}"
    if sport == "martial arts":
        hit = any(s in c.sports_text for s in ("muay thai", "capoeira", "lethwei", "sumo", "wrestling", "boxing"))
    else:
        hit = contains_phrase(c.sports_text, sport)
    if hit:
        return True, f"Yes, {sport} is popular there. {f['sports_note']}"
    return False, f"No, the most popular sports there are {_join(f['sports'])}."


def _h_landmark(c: _City, it: Intent) -> _Answer:
    lm = c.f["landmarks"]
    listing = f"One famous landmark is {lm[0]}; others include {_join(lm[1:])}."
    if not it.yesno:
        return None, listing
    if not it.arg:
        return True, f"Yes. {listing}"
    for text in lm:
        if _stems(text) & set(it.arg):
            return True, f"Yes, for example {text}."
    if _stems(c.f["famous_for"]) & set(it.arg):
        return True, f"Yes, it is famous for {c.f['famous_for']}."
    return False, f"Not that I know of; its best-known landmarks are {_join(lm[:2])}."


def _h_search(c: _City, it: Intent) -> _Answer:
    """Keyword search ("known for X?", "Does it have X?"): quote the first fact that has every keyword."""
    wanted = set(it.arg)
    for text, stems in c.items:
        if wanted <= stems:
            if text.endswith("."):  # a whole sentence from the table
                return True, _yes_no(True, text) if it.yesno else text
            return True, f"{'Yes, it' if it.yesno else 'It'} is known for {text}."
    if not it.yesno:
        return None, f"It is best known for {c.f['famous_for']}."
    return False, f"Not that I know of; it is best known for {c.f['famous_for']}."


def _h_famous(c: _City, it: Intent) -> _Answer:
    text = f"It is famous for {c.f['famous_for']}."
    return (True, _yes_no(True, text)) if it.yesno else (None, text)


def _h_industry(c: _City, it: Intent) -> _Answer:
    inds = c.f["industries"]
    text = f"Its main industries include {_join(inds)}."
    if not it.yesno:
        return None, text
    hit = bool(_stems(" ".join(inds)) & _INDUSTRIAL_WORDS)
    return hit, _yes_no(hit, text)


def _h_history(c: _City, it: Intent) -> _Answer:
    return None, c.f["history"]


def _h_founded(c: _City, it: Intent) -> _Answer:
    return None, f"Its history goes back to about {_year(c.f['founded'])}. {c.f['history']}"


def _h_age(c: _City, it: Intent) -> _Answer:
    f = c.f
    op, value = it.arg
    founded = f["founded"]
    if op == "founded_before":
        hit = founded < value
    elif op == "founded_after":
        hit = founded >= value
    else:
        age = CURRENT_YEAR - founded
        hit = age > value if op == "gt" else age < value
    return hit, f"{'Yes' if hit else 'No'}, its history goes back to about {_year(founded)}. {f['history']}"


def _h_describe(c: _City, it: Intent) -> _Answer:
    return None, c.f["describe"]


_HANDLERS: dict[str, Callable[[_City, Intent], _Answer]] = {
    "guess": _h_guess, "country": _h_country, "state": _h_state, "place": _h_place, "capital": _h_capital,
    "city_state": _h_city_state, "population": _h_population, "language": _h_language, "currency": _h_currency,
    "timezone": _h_timezone, "hemisphere": _h_hemisphere, "colonial": _h_colonial, "religion": _h_religion,
    "olympics": _h_olympics, "island": _h_island, "coast": _h_coast, "river": _h_river, "lake": _h_lake,
    "altitude": _h_altitude, "mountains": _h_mountains, "volcano": _h_volcano, "weather": _h_weather,
    "climate_type": _h_climate_type, "hazard": _h_hazard, "food": _h_food, "sports": _h_sports,
    "landmark": _h_landmark, "search": _h_search, "famous": _h_famous, "industry": _h_industry,
    "history": _h_history, "founded": _h_founded, "age": _h_age, "describe": _h_describe,
}

# ---------------------------------------------------------------------------------------------------
# Public knowledge base
# ---------------------------------------------------------------------------------------------------


class GuessMyCityKB:
    """Facts about the 100 Guess My City targets and an ``answer(city, question)`` that reads them."""

    cities: tuple[str, ...]

    def __init__(self, facts: dict[str, dict[str, Any]]) -> None:
        aliases = city_aliases()
        self.cities = tuple(guess_my_city_cities("all100"))
        missing = set(self.cities) - set(facts)
        if missing:
            raise ValueError(f"fact table lacks {sorted(missing)}")
        self._facts = {key: facts[key] for key in self.cities}
        self._city = {key: _build_city(key, facts[key], aliases[key]) for key in self.cities}
        self._memo: dict[tuple[str, Intent], str] = {}

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> GuessMyCityKB:
        """The knowledge base built from the package data (built once, then shared)."""
        return cls(_facts_table())

    def facts(self, city: str) -> dict[str, Any]:
        """The raw fact-table entry for ``city`` (a read-only view by convention)."""
        self._check(city)
        return self._facts[city]

    def _check(self, city: str) -> None:
        if city not in self._city:
            raise ValueError(f"unknown Guess My City key {city!r}; expected one of GuessMyCityKB.cities")

    def answer(self, city: str, question: str) -> str:
        """A one- or two-sentence prose answer about ``city`` that never names it."""
        memo_key = (city, _parse(question) if len(question) <= MAX_QUESTION_CHARS else _UNKNOWN_INTENT)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        self._check(city)
        text = self._compose(city, memo_key[1])
        if len(self._memo) > 200_000:  # bounded: free-text keyword intents are open-ended
            self._memo.clear()
        self._memo[memo_key] = text
        return text

    def verdict(self, city: str, question: str) -> bool | None:
        """True/False for a yes/no question the KB understands, None otherwise."""
        self._check(city)
        intent = _parse(question)
        if intent.topic == "unknown":
            return None
        verdict, _ = _HANDLERS[intent.topic](self._city[city], intent)
        return verdict if intent.yesno else None

    def _compose(self, city: str, intent: Intent) -> str:
        if intent.topic == "unknown":
            return UNKNOWN
        c = self._city[city]
        _, text = _HANDLERS[intent.topic](c, intent)
        # Leak guard: the table is written not to name the city, but the answer is re-checked anyway.
        if intent.topic != "guess" and any(contains_phrase(text, name) for name in c.names):
            return WITHHELD
        return text

    def probes(self) -> list[Probe]:
        """Canonical yes/no questions with the cities whose true answer is yes (for scripted questioners)."""
        return [Probe(q, frozenset(k for k in self.cities if pred(self._facts[k], self._city[k]))) for q, pred in _probe_specs(self)]


def _probe_specs(kb: GuessMyCityKB) -> list[tuple[str, Callable[[dict[str, Any], _City], bool]]]:
    """Probe questions paired with predicates read straight off the facts (not via the parser)."""
    specs: list[tuple[str, Callable[[dict[str, Any], _City], bool]]] = []
    for cont in ("Asia", "Europe", "Africa", "North America", "South America", "Oceania"):
        specs.append((f"Is your city in {cont}?", lambda f, c, cont=cont: cont in f["continents"]))
    for region, label in (("East Asia", "East Asia"), ("Southeast Asia", "Southeast Asia"), ("South Asia", "South Asia"),
                          ("Middle East", "the Middle East"), ("Latin America", "Latin America"), ("Central Asia", "Central Asia"),
                          ("North Africa", "North Africa"), ("Sub-Saharan Africa", "Sub-Saharan Africa"),
                          ("Western Europe", "Western Europe"), ("Eastern Europe", "Eastern Europe"), ("Caribbean", "the Caribbean")):
        specs.append((f"Is your city in {label}?", lambda f, c, region=region: region in f["regions"]))
    for country in sorted({f["country"] for f in kb._facts.values()}):
        specs.append((f"Is your city in {_country_display(country)}?", lambda f, c, country=country: f["country"] == country or (country == "Singapore" and c.key == "Singapore, Singapore")))
    specs += [
        ("Is your city on the coast?", lambda f, c: f["coastal"]),
        ("Is it a port city?", lambda f, c: f["port"]),
        ("Does a river run through your city?", lambda f, c: bool(f["rivers"])),
        ("Is your city near a lake?", lambda f, c: bool(f["lakes"])),
        ("Is your city on an island?", lambda f, c: bool(f["island"])),
        ("Is it near mountains?", lambda f, c: f["mountains_near"]),
        ("Is it at high altitude?", lambda f, c: f["high_altitude"]),
        ("Is your city in a desert?", lambda f, c: f["desert"]),
        ("Is it known for its beaches?", lambda f, c: f["beaches"]),
        ("Is it on the Pacific Ocean?", lambda f, c: "pacific" in c.sea_text),
        ("Is it on the Atlantic Ocean?", lambda f, c: "atlantic" in c.sea_text),
        ("Is it on the Indian Ocean?", lambda f, c: "indian ocean" in c.sea_text),
        ("Is it on the Mediterranean Sea?", lambda f, c: "mediterranean" in c.sea_text),
        ("Is your city in the southern hemisphere?", lambda f, c: f["lat"] < 0),
        ("Is your city in the western hemisphere?", lambda f, c: f["lon"] < 0),
        ("Is it in the tropics?", lambda f, c: abs(f["lat"]) < 23.44),
        ("Is it near the equator?", lambda f, c: abs(f["lat"]) <= 10),
        ("Is it a national capital?", lambda f, c: f["national_capital"]),
        ("Is it a state or provincial capital?", lambda f, c: f["state_capital"]),
        ("Was it ever a national capital?", lambda f, c: bool(f["former_capital"]) or f["national_capital"]),
        ("Is it the largest city in its country?", lambda f, c: f["largest_city"]),
    ]
    for n in (2, 5, 10, 20):
        specs.append((f"Does your city have a population over {n} million?", lambda f, c, n=n: f["population_m"] > n))
    for lang, lid in (("English", "english"), ("Spanish", "spanish"), ("Portuguese", "portuguese"), ("French", "french"),
                      ("Arabic", "arabic"), ("Russian", "russian"), ("Chinese", "chinese"), ("Japanese", "japanese"),
                      ("Korean", "korean"), ("Hindi", "hindi"), ("Indonesian", "indonesian"), ("Turkish", "turkish"),
                      ("Persian", "persian"), ("Urdu", "urdu"), ("Bengali", "bengali"), ("German", "german"), ("Italian", "italian")):
        specs.append((f"Is {lang} the main language?", lambda f, c, lid=lid: lid in c.language_ids[0]))
    specs.append(("Do people there speak English?", lambda f, c: any("english" in ids for ids in c.language_ids)))
    for rel, stem in (("Islam", "islam"), ("Buddhism", "buddh"), ("Hinduism", "hindu")):
        specs.append((f"Is {rel} the main religion?", lambda f, c, stem=stem: _religion_matches(c, stem, True)))
    specs.append(("Is Christianity a major religion there?", lambda f, c: _religion_matches(c, "christian", False)))
    specs += [
        ("Does it snow in winter?", lambda f, c: f["snow"]),
        ("Does it have cold winters?", lambda f, c: f["cold_winters"]),
        ("Does it get hot in summer?", lambda f, c: f["hot"]),
        ("Does it have a tropical climate?", lambda f, c: f["tropical"]),
        ("Is it humid?", lambda f, c: f["humid"]),
        ("Is the climate dry?", lambda f, c: f["arid"]),
        ("Does it have a rainy season?", lambda f, c: f["rainy_season"]),
        ("Does it rain a lot?", lambda f, c: f["wet"]),
        ("Does it have four distinct seasons?", lambda f, c: f["four_seasons"]),
        ("Is it prone to earthquakes?", lambda f, c: "earthquakes" in f["hazards"]),
        ("Does it get typhoons or hurricanes?", lambda f, c: bool(set(f["hazards"]) & _STORMS)),
        ("Does it suffer from floods?", lambda f, c: "floods" in f["hazards"]),
        ("Was it ever a colony?", lambda f, c: bool(f["colonial"])),
    ]
    for adj in ("British", "Spanish", "Portuguese", "French", "Dutch", "Japanese"):
        specs.append((f"Was it a {adj} colony?", lambda f, c, adj=adj: adj in f["colonial"]))
    specs += [
        ("Is it more than 1000 years old?", lambda f, c: CURRENT_YEAR - f["founded"] > 1000),
        ("Is it an ancient city?", lambda f, c: f["founded"] < 500),
        ("Has it hosted the Olympic Games?", lambda f, c: bool(f["olympics"])),
        ("Is cricket popular there?", lambda f, c: "cricket" in c.sports_text),
        ("Is baseball popular there?", lambda f, c: "baseball" in c.sports_text),
        ("Is soccer popular there?", lambda f, c: "soccer" in c.sports_text),
        ("Is basketball popular there?", lambda f, c: "basketball" in c.sports_text),
        ("Is ice hockey popular there?", lambda f, c: "ice hockey" in c.sports_text),
        ("Is it known for seafood?", lambda f, c: "seafood" in c.food_stems),
        ("Is the food spicy?", lambda f, c: "spicy" in c.food_stems),
        ("Is it known for noodles?", lambda f, c: "noodle" in c.food_stems),
        ("Is it known for its coffee?", lambda f, c: "coffee" in c.food_stems),
    ]
    return specs
