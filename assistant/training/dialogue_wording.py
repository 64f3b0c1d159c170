"""The wording tables of the self-instruct dialogues (assistant/training/dialogues.py): sentence
templates per kind of turn, and the synonyms, price forms and photo changes they are filled with.
Data only, so new wordings are added here without touching the generator.
"""
from __future__ import annotations

from assistant.training.dialogue_wording_robust import ROBUST_FOLLOW, ROBUST_OPENERS, ROBUST_TEMPLATES

# "|" prefixes a tag: the sort of a sorted request, "liked" for a reaction that likes the item,
# "start" / "end" for greetings only at the start and thanks never there.
TEMPLATES = {
    "request": ["I'm looking for {want}", "{want}", "show me {want}", "do you have {want}?", "I need {want}",
                "can you find me {want}", "hi, I want {want}", "where can I find {want}?", "{want} please",
                "looking for {want}, any ideas?", "I'd like to buy {want}", "please search for {want}",
        "do you sell {want}?", "have you got {want}?", "do you carry {want}?", "is there {want} in stock?",
        "can I get {want}?", "would you have {want}?", "find {want} for me", "I'm shopping for {want}"],
    "sorted_request": ["price_asc|show me the cheapest {want}", "rating|best rated {want}",
                       "price_desc|most expensive {want} first", "price_asc|lowest priced {want} please",
                       "price_asc|{want}, cheapest first", "rating|what are your top rated {want}?",
                       "price_desc|{want}, priciest first", "rating|{want} sorted by rating",
        "price_asc|cheapest {want} first please", "rating|highest rated {want}", "price_desc|show me the priciest {want}",
        "price_asc|{want} from low to high price", "rating|{want}, best reviews first", "price_asc|{want} ordered by price, low to high",
        "rating|top {want} by rating", "price_desc|{want} from the most expensive",
        "price_asc|{want} sorted by price", "rating|{want} ordered by rating", "price_desc|{want} sorted from high to low price",
        "price_asc|{want}, lowest price first", "rating|sort {want} by rating", "price_asc|sort {want} by price, cheapest first",
        "price_desc|{want}, highest price first", "rating|{want} with the best ratings"],
    "refine_color": ["in {color} instead", "{color} ones please", "do you have it in {color}?", "what about {color}?",
                     "can I see {color} ones", "show me those in {color}", "{color} please", "any in {color}?",
        "how about {color}?", "got them in {color}?", "I'd prefer {color}",
        "maybe in {color}?", "and in {color}?", "make them {color}",
        "switch the colour to {color}", "I want it in {color} please"],
    "refine_price": ["{price} please", "only {price}", "can you keep it {price}?", "hmm, {price} would be better",
                     "make it {price}", "{price} instead", "show me ones {price}", "let's stay {price}",
        "what about {price}?", "keep it {price}", "my budget changed: {price}",
        "could you show ones {price}?", "I'd rather spend {price}", "only ones {price} please",
        "filter to {price}", "now {price}"],
    "cheaper": ["cheaper ones?", "anything cheaper?", "show me something less expensive", "got any budget options?",
                "do you have more affordable ones?", "a bit cheaper please", "those are too pricey, cheaper?",
                "something at a lower price?",
        "less pricey please", "anything more budget-friendly?", "too expensive, show me cheaper",
        "can you find lower priced ones?", "I can't afford these, something cheaper?", "what about cheaper alternatives?",
        "go lower on the price please", "show me lower-cost ones"],
    "switch_gender": ["{for_g} instead", "actually, {for_g}", "I meant {for_g}", "what about {for_g}?",
                      "do you have {gs} ones?", "same thing but {for_g}", "show me the {gs} version",
                      "switch to {gs} please",
        "how about {for_g}?", "make it {gs}", "can you show {gs} ones instead?",
        "now {for_g} please", "and {for_g}?", "I'm actually shopping {for_g}",
        "change it to {gs}", "same but {gs}",
        "what about {for_g} instead?", "and {gs} ones?", "show me some {for_g}", "do they come {for_g}?",
        "could you do it {for_g}?", "actually I need {gs}", "ok, now {gs} ones", "try {for_g}"],
    "drop_size": ["forget the size", "any size is fine", "drop the size", "size doesn't matter",
                  "no size preference", "ignore the size", "remove the size filter", "clear the size please"],
    "drop_color": ["any colour", "any color is fine", "forget the colour", "colour doesn't matter",
                   "drop the color", "show me all colours", "ignore the colour", "whatever color, no preference"],
    "reference": ["more like {ref}", "something similar to {ref}", "liked|I like {ref}, anything similar?",
                  "similar to {ref} please", "show me things like {ref}", "liked|I love {ref}, more like it please",
                  "got others like {ref}?", "liked|{ref} looks great, got more like that?",
        "liked|{ref} is nice, show me similar", "others like {ref}?", "liked|really like {ref}, anything close to it?",
        "items close to {ref}?", "liked|{ref} is perfect, more like it", "anything resembling {ref}?",
        "liked|great choice with {ref}, more of those?", "liked|{ref} is lovely, similar ones?",
        "anything close to {ref}?", "alternatives to {ref}?", "liked|{ref} is great, similar items?",
        "liked|nice, {ref}, more of the same please", "show me items similar to {ref}", "liked|I'm into {ref}, find similar ones",
        "things in the style of {ref}?", "same style as {ref}?"],
    "goes_with": ["what goes with {ref}?", "what would match {ref}?", "complete the look for {ref}",
                  "anything that goes well with {ref}?", "what can I wear with {ref}?", "what pairs with {ref}?",
                  "help me complete the look with {ref}", "what should I wear with {ref}?",
        "what matches {ref}?", "what could I pair with {ref}?", "what would go nicely with {ref}?", "style {ref} for me",
        "suggest something to wear with {ref}", "what accessories go with {ref}?", "build an outfit around {ref}",
        "what completes {ref}?"],
    "liked_more": ["more like the ones I liked", "show me more like what I liked", "more like those I liked please",
                   "anything else like the ones I liked?", "more like the items I liked",
                   "find more like what I liked so far", "recommend more like the ones I liked",
                   "similar to the stuff I liked?"],
    "what_else": ["what else would I like?", "what else would you recommend?", "any suggestions for me?",
                  "anything else you'd suggest?", "what would I also like?", "recommend me something",
                  "surprise me with something I'd like", "what else do you think I'd love?"],
    "explain": ["why {ref}?", "why did you pick {ref}?", "why is {ref} there?", "explain {ref} please",
                "how does {ref} fit what I asked?", "what makes {ref} a good match?", "why {ref} and not the others?",
                "tell me why you chose {ref}",
        "explain {ref}", "can you explain {ref}?", "explain why you picked {ref}", "what's good about {ref}?",
        "why should I get {ref}?", "explain your choice of {ref} please", "why was {ref} recommended?",
        "give me the reasoning for {ref}"],
    "photo_like": ["something like this{extra}", "do you have anything like this{extra}?",
                   "find me one like this{extra}",
                   "is there something like this{extra}?", "I want this{extra}", "similar to this please",
                   "got anything like my photo{extra}?", "what do you have that looks like this{extra}?",
                   # Training-only (positions 8-10), added when the render wordings ("how would it look
                   # on my photo?") took "looks like this" from photo searches: a search, not a render.
                   "anything that looks like this{extra}?", "show me ones that look like this{extra}",
                   "I'd like something that looks like this{extra}"],
    "photo_modify": ["like {photo} but {change}", "same as {photo} but {change}", "{photo}, but {change}",
                     "similar to {photo} except {change}", "something like {photo}, only {change}",
                     "I want {photo} but {change}", "kind of like {photo} but {change}", "{photo} style but {change}",
        "like {photo} only {change}", "take {photo} and make it {change}", "{photo} again but {change}",
        "a version of {photo} {change}", "similar to {photo} but {change}", "find {photo} {change}",
        "based on {photo}, {change}", "{photo} look but {change}"],
    "photo_only": [""],  # a photo with no words: one empty template, shared by both splits
    "chit_chat": ["start|hello", "start|hi there!", "end|thanks!", "end|cheers!", "who are you?", "what's your name?",
                  "start|good morning", "are you a bot?", "end|thank you, that's helpful", "how are you today?",
                  "end|great, thanks", "end|lovely, thank you so much"],
    "out_of_scope": ["what's the weather tomorrow?", "tell me a joke", "who won the game last night?",
                     "can you order me a pizza?", "can you book me a flight?", "what's the capital of France?",
                     "write me a poem", "help me with my homework", "do you sell cars?", "what's 12 times 7?",
                     "what's the news today?", "do you sell groceries?",
        "what time is it?", "can you fix my laptop?", "translate this into Spanish",
        "who is the president?", "do you sell furniture?", "recommend a good movie",
        "how do I cook pasta?", "can you call a taxi for me?", "do you sell phones?",
        "book a table for two tonight", "what's the stock market doing?", "do you sell books?",
        "can you order me some food?", "call my mom", "what's the best pizza place nearby?", "can you do my taxes?",
        "play some music", "can you book a hotel for me?", "what is 2 plus 2?", "send an email to my boss",
        "set an alarm for 7am", "how tall is Mount Everest?", "who wrote Hamlet?", "can you get me a cab?"],
    "clarify": ["I want the thing", "something nice", "I need something", "you know what I mean",
                "show me stuff", "can you find it?", "something good please", "the usual please",
                "get me one", "hmm, what about that?", "I'm after something", "something cool"],
}
TEMPLATES.update(ROBUST_TEMPLATES)  # exclusions, several values, vague prices, orders, renders (issue 15)
KINDS = tuple(TEMPLATES)
NO_TOOL = ("chit_chat", "out_of_scope", "clarify")
# Follow-up turns and how often each is tried (a kind that does not fit the state is skipped).
FOLLOW = {"refine_color": 1.0, "refine_price": 0.8, "cheaper": 0.7, "switch_gender": 0.7, "drop_size": 1.5,
          "drop_color": 1.0, "reference": 1.1, "goes_with": 0.9, "liked_more": 4.0, "what_else": 0.6,
          "explain": 1.2, "photo_like": 0.4, "photo_modify": 0.8, "photo_only": 0.3, "chit_chat": 0.3,
          "out_of_scope": 0.5, "request": 0.3, **ROBUST_FOLLOW}
OPENERS = {"request": 0.52, "sorted_request": 0.16, "photo_like": 0.12, "photo_only": 0.06, "chit_chat": 0.05,
           "out_of_scope": 0.03, "clarify": 0.06, **ROBUST_OPENERS}

# Shopper words per category: (singular, plural); None: plural only ("shorts").
NOUNS = {"Jackets": [("jacket", "jackets"), ("coat", "coats"), (None, "outerwear")],
         "Hoodies & Sweatshirts": [("hoodie", "hoodies"), ("sweatshirt", "sweatshirts"), ("pullover", "pullovers"),
                                   ("hoody", "hoodies"), ("sweater", "sweaters")],
         "Tees": [("tee", "tees"), ("t-shirt", "t-shirts"), ("tshirt", "tshirts"), ("shirt", "shirts")],
         "Tanks": [("tank top", "tank tops"), ("tank", "tanks"), ("singlet", "singlets")],
         "Bras & Tanks": [("tank top", "tank tops"), ("tank", "tanks")],
         "Pants": [(None, "pants"), (None, "trousers"), (None, "joggers")], "Shorts": [(None, "shorts")],
         "Bags": [("bag", "bags")], "Watches": [("watch", "watches")],
         "Fitness Equipment": [("piece of fitness equipment", "fitness equipment"),
                               ("piece of gym equipment", "gym equipment")]}
# Nouns a product's own style (or, lower case, its name) earns: "backpack" only for a backpack.
STYLE_NOUNS = {"Backpack": ("backpack", "backpacks"), "Rain Coat": ("rain jacket", "rain jackets"),
               "Duffel": ("duffel bag", "duffel bags"), "Tote": ("tote", "totes"),
               "Messenger": ("messenger bag", "messenger bags"), "Windbreaker": ("windbreaker", "windbreakers"),
               "Leggings": (None, "leggings"), "Sweatpants": (None, "sweatpants"), "Bra": ("sports bra", "sports bras"),
               "water bottle": ("water bottle", "water bottles"), "ball": ("exercise ball", "exercise balls"),
               "strap": ("yoga strap", "yoga straps"), "foam roller": ("foam roller", "foam rollers")}
TANK_WORDS = {"tank tops", "tanks", "singlets"}  # the tracker reads these as both tank categories
# Descriptive words per catalog value: "what the shopper says=what goes in the query" (same when no "=").
DESCRIBE = {"Rainy": ["for rainy days=rainy", "for the rain=rain"], "Windy": ["for windy weather=windy"],
            "Wintry": ["for winter=winter"], "Cold": ["for cold weather=cold weather"],
            "Hot": ["for hot weather=hot weather", "for summer=summer"], "Hooded": ["hooded", "with a hood=hood"],
            "Full zip": ["full-zip=full zip"], "¼ zip": ["quarter-zip=quarter zip"], "Lightweight": ["lightweight"],
            "Insulated": ["insulated"], "Soft Shell": ["soft shell"], "Hard Shell": ["hard shell"],
            "Rain Coat": ["waterproof"], "Waterproof": ["waterproof"], "Compression": ["compression"],
            "Base Layer": ["base layer"], "Workout Pants": ["for workouts=workout"], "Reversible": ["reversible"],
            "Laptop Sleeve": ["with a laptop sleeve=laptop sleeve"], "Reflective": ["reflective"],
            "Yoga": ["for yoga=yoga"], "Gym": ["for the gym=gym"], "Hiking": ["for hiking=hiking"],
            "Travel": ["for travel=travel"], "School": ["for school=school"], "Outdoor": ["for the outdoors=outdoors"],
            "Sports": ["for sports=sports"]}
PHOTO_CHANGES = {"Tees": ["with short sleeves=short sleeves", "with long sleeves=long sleeves", "with a v-neck=v-neck"],
                 "Jackets": ["with a hood=hood", "with a full zip=full zip", "warmer", "lighter"],
                 "Hoodies & Sweatshirts": ["with a zip=zip", "with a hood=hood", "thicker"],
                 "Pants": ["shorter", "with pockets=pockets", "looser"], "Shorts": ["shorter", "with pockets=pockets"],
                 "": ["more sporty=sporty"]}
# Shade words the vocabulary maps to one catalog colour (assistant.catalog.vocabulary.COLOUR_SYNONYMS);
# shades between two ("teal", "tan": BETWEEN_COLOURS there) name both, so they are not gold for one.
COLOUR_WORDS = {"Blue": ["navy", "cobalt"], "Gray": ["grey", "charcoal", "silver"],
                "Red": ["burgundy", "crimson", "maroon", "scarlet"], "Green": ["olive", "mint", "emerald"],
                "Purple": ["violet", "plum"], "Brown": ["beige", "camel", "chocolate"],
                "White": ["cream", "ivory"], "Yellow": ["mustard", "lemon"], "Orange": ["coral", "peach", "rust"]}
GENDER_WORDS = {"Men": (["men's", "mens", "guys"], ["for men", "for him", "for my husband", "for a guy"]),
                "Women": (["women's", "womens", "ladies"], ["for women", "for her", "for my wife", "for a lady"])}
SIZE_WORDS = {"XS": "extra small", "S": "small", "M": "medium", "L": "large", "XL": "extra large"}
SIMPLE_MATERIALS = ("Cotton", "Organic Cotton", "Wool", "Fleece", "Nylon", "Polyester", "Hemp", "Linen", "Spandex",
                    "Mesh")
PATTERN_WORDS = {"Striped": "striped", "Checked": "plaid", "Color-Blocked": "color-blocked", "Graphic Print": "graphic"}
# Price wordings (each is also its form's name in the metadata); {wa}/{wb}: the number in words.
PRICE_FORMS = {"max": ["under ${b}", "under {b} bucks", "under {wb}", "no more than {b} dollars", "at most ${b}",
                       "less than {b} dollars", "up to ${b}", "${b} or less", "with a budget of ${b}", "below {b} usd"],
               "range": ["between {a} and {b}", "between ${a} and ${b}", "from {a} to {b} dollars", "${a}-${b}",
                         "between {wa} and {wb}"],
               "min": ["over ${a}", "at least {a} dollars", "more than ${a}", "above ${a}", "${a} or more",
                       "no less than {a} dollars", "starting at ${a}", "over {a} bucks", "at least ${a}"]}
ORDINALS = ["first", "second", "third", "fourth", "fifth"]
START_OVER = ["start over: ", "new search: ", "let's start over. ", "start over, "]  # a first request after others
# clothing-dataset-small classes with a catalog counterpart (hats, shoes, dresses, skirts have none).
SHOPPER_CLASSES = {"outwear": "Jackets", "t-shirt": "Tees", "longsleeve": "Tees", "shirt": "Tees",
                   "pants": "Pants", "shorts": "Shorts"}


def said_and_query(entry: str) -> tuple[str, str]:
    """'for the rain=rain' -> ('for the rain', 'rain'); 'hooded' -> ('hooded', 'hooded')."""
    text, _, query = entry.partition("=")
    return text, query or text
