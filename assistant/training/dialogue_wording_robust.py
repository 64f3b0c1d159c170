"""Wording of the turns the controller learns for real shopper language (issue 15): exclusions and
taking them back, several values, prices said without a number, orders, requests nothing meets, and
render requests. Data only, merged into `dialogue_wording.TEMPLATES`; the turns are in
`dialogue_turns_robust.py`.

Every wording here is one the dialogue-state tracker reads back to the turn's gold (checked in
tests/test_training_dialogues.py), so the tuned model and the tracker agree. "|" prefixes a tag
that says which values a template fits. Every fourth template of a kind is held out for the test
split, so each tag appears at several positions mod 4.
"""
from __future__ import annotations

ROBUST_TEMPLATES = {
    # {x}: the value left out; "color|": colour words only ("nothing in navy"), "any|": every kind of value.
    "exclude": ["any|no {x} please", "color|not {x}", "color|anything but {x}", "any|I don't want {x}",
                "color|nothing in {x}", "any|without {x} please", "color|not in {x} please", "any|avoid {x}",
                "any|skip {x}", "color|anything except {x}", "any|no {x}", "color|other than {x}",
                "any|I don't like {x}", "color|but not {x}", "any|exclude {x} please", "any|none with {x}"],
    # A first request that leaves something out: {want} as in "request".
    "exclude_request": ["any|{want}, but no {x}", "color|{want}, anything but {x}", "any|{want} without {x}",
                        "color|{want}, not in {x}", "any|I'm looking for {want}, no {x} please", "color|{want} but not {x}",
                        "color|{want}, nothing in {x}", "any|show me {want}, avoid {x}", "any|{want} with no {x}",
                        "color|I need {want} other than {x}", "color|{want}, any except {x}",
                        "any|find {want} without {x}", "any|do you have {want}? no {x} though",
                        "color|{want}, not {x} please", "any|{want}, and I don't want {x}", "color|{want}, skip {x}"],
    # {x}: a value left out earlier; {be}: "is" or "are" for it.
    "allow": ["{x} {be} fine now", "actually, {x} {be} ok", "I don't mind {x}", "{x} {be} fine after all",
              "fine with {x} now", "ok, {x} {be} allowed again", "bring back {x}", "happy with {x} too",
              "{x} {be} good too", "include {x} again", "put back {x} please", "ok with {x} actually",
              "thinking again, {x} {be} fine", "I'm fine with {x}", "add back {x}", "{x} would be fine now"],
    # Several values: {a} or {b} (colours, sizes), or a first request for two kinds of product ({want}).
    # Never "{a} or {b} would be great": the tracker reads "<values> would be great" as taking them back.
    # "size|" names the size (numbers need it: "32 or 33" alone reads as a price); "letters|": S, M, L only.
    "multi_value": ["color|in {a} or {b}", "size|size {a} or {b}", "category|{want}", "letters|{a} or {b} please",
                    "category|show me {want}", "color|{a} or {b} please", "letters|do you have {a} or {b}?",
                    "category|I'm looking for {want}", "size|in size {a} or {b} please", "color|do you have them in {a} or {b}?",
                    "letters|I wear {a} or {b}", "color|either {a} or {b}", "category|any {want}?", "color|I'd take {a} or {b}",
                    "letters|either {a} or {b}", "size|size {a} or {b} please", "color|show me {a} or {b}",
                    "size|do you have size {a} or {b}?", "color|I'd like {a} or {b}", "category|I need {want}",
                    "category|what {want} do you have?", "letters|in {a} or {b}", "size|only size {a} or {b}",
                    "color|any in {a} or {b}?", "color|got them in {a} or {b}?"],
    # A price said without a number: "cheap" is at most, "premium" at least, the median price of the
    # category and gender (assistant/dialogue/vague_prices.py). With {want}: a first request.
    "vague_price": ["cheap|cheap {want}", "premium|premium {want}", "cheap|something cheap please",
                    "premium|show me premium ones", "premium|high-end {want}", "cheap|any affordable ones?",
                    "premium|something more high-end", "cheap|affordable {want}", "cheap|I'm on a budget",
                    "premium|I'd like to splurge", "cheap|{want} on a budget", "cheap|not too expensive please",
                    "premium|luxury {want}", "premium|fancy {want} please", "premium|the luxury ones please",
                    "premium|top-of-the-line {want}", "cheap|{want} that won't break the bank", "cheap|inexpensive {want}",
                    "premium|upscale {want}", "cheap|something that won't break the bank", "premium|something upscale",
                    "cheap|low-cost ones please", "premium|high-end ones please", "cheap|{want}, not too pricey",
                    "cheap|budget-friendly {want}", "premium|{want}, the expensive kind", "cheap|reasonably priced ones?",
                    "premium|something fancy", "premium|expensive {want} please", "cheap|anything affordable?",
                    "premium|luxurious ones please", "cheap|reasonably priced {want}"],
    # An order for the list so far: the sorted filter.
    "sort": ["price_asc|cheapest first please", "rating|best rated first", "price_desc|most expensive first",
             "price_asc|sort them by price", "rating|sort by rating please", "price_desc|priciest first",
             "price_asc|lowest price first", "rating|highest rated first", "price_desc|sort from high to low",
             "price_asc|order them from low to high", "rating|show the best reviewed first",
             "price_desc|highest price first please", "price_asc|can you sort by price, cheapest first?",
             "rating|best reviews first please", "price_desc|show the most expensive first",
             "price_asc|start with the cheapest", "rating|sort them by rating", "price_desc|from high to low please",
             "price_asc|show the least expensive first", "rating|highest rated ones first please"],
    # Nothing meets it (a colour the category is not sold in, a price below its cheapest); the gold
    # is still the search as said: the tool answers with the closest products (tools/relaxation.py).
    # "req|": a first request ({want} ends with the impossible part); "more|": {change} to the search so far.
    "impossible": ["req|{want}", "more|what about {change}?", "req|do you have {want}?", "more|{change} please",
                   "more|show me ones {change}", "req|I'm looking for {want}", "more|do you have them {change}?",
                   "req|show me {want}", "more|any {change}?", "req|I need {want}", "req|find me {want}",
                   "more|can I get them {change}?", "req|got {want}?", "more|only {change}",
                   "req|I want {want}", "more|and {change}?"],
    "drop_price": ["forget the price", "any price is fine", "forget the budget", "no price limit", "ignore the price",
                   "price doesn't matter", "drop the price limit", "remove the budget"],
    # Render requests (tools/renderer.py): {ref} an item on screen, {color} a colour, {photo} a
    # photo the shopper sent, {desc} words to imagine (at the end: the tracker reads up to the stop).
    "render_color": ["show {ref} in {color}", "how would {ref} look in {color}?", "can I see {ref} in {color}?",
                     "what would {ref} look like in {color}?", "preview {ref} in {color}", "let me see {ref} in {color}",
                     "show me {ref} in {color} please", "how does {ref} look in {color}?",
                     "could you show {ref} in {color}?", "I'd like to see {ref} in {color}", "render {ref} in {color}",
                     "display {ref} in {color}", "what does {ref} look like in {color}?",
                     "can you show me {ref} in {color}?", "view {ref} in {color}", "I want to see {ref} in {color}"],
    "render_photo": ["how would {ref} look with {photo}?", "show {ref} on {photo}", "can I see {ref} in {photo}?",
                     "show me {ref} with {photo}", "preview {ref} on {photo}", "how does {ref} look on {photo}?",
                     "what would {ref} look like on {photo}?", "let me see {ref} on {photo}", "show {ref} in {photo} please",
                     "could you show {ref} on {photo}?", "I want to see {ref} with {photo}",
                     "how would {ref} look in {photo}?"],
    "render_words": ["imagine {desc}", "can you imagine {desc}?", "sketch {desc}", "draw me {desc}", "visualize {desc}",
                     "render {desc}", "envision {desc}", "could you draw {desc}?", "I'm dreaming of {desc}",
                     "please sketch me {desc}", "visualise {desc}", "imagine me {desc}",
                     # Added after the first retrain: "draw" was only in held-out wordings, so the model
                     # never met the verb; positions 15 and 19 are held out like every fourth.
                     "draw {desc}", "can you draw me {desc}?", "go on, sketch {desc}", "would you sketch {desc}?",
                     "just imagine {desc}", "please draw {desc}", "try to visualize {desc}", "I keep dreaming of {desc}"],
}
# How often each is tried as a follow-up / an opener (added to dialogue_wording's; a kind that does
# not fit the state, such as "allow" with nothing left out, is skipped).
ROBUST_FOLLOW = {"exclude": 1.2, "allow": 4.0, "multi_value": 0.9, "vague_price": 0.7, "sort": 0.7, "impossible": 0.5,
                 "drop_price": 0.3, "render_color": 0.8, "render_photo": 0.8, "render_words": 0.5}
ROBUST_OPENERS = {"exclude_request": 0.07, "vague_price": 0.07, "multi_value": 0.05, "impossible": 0.04,
                  "render_words": 0.03}

# The words for a value left out (assistant/dialogue/exclusions.py reads them back).
FEATURE_SAY = {"hood": ["hoods", "a hood", "the hood"], "zip": ["zips", "a zip", "the zip", "zippers"],
               "pocket": ["pockets"], "logo": ["logos", "a logo"]}
PATTERN_SAY = {"Striped": ["stripes", "striped"], "Checked": ["plaid"], "Graphic Print": ["graphic prints"]}
EXCLUDED_MATERIALS = ("Cotton", "Wool", "Fleece", "Nylon", "Polyester", "Hemp", "Linen", "Spandex", "Mesh")
