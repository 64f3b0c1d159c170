from assistant.dialogue.state import DialogueState
from assistant.dialogue.tracker import apply, read


def run(vocab, catalog, *messages, state=None):
    """Messages read and applied in order, as turns of one session: (state, readings)."""
    state = state or DialogueState("u")
    readings = []
    for message in messages:
        reading = read(message, state, vocab, catalog)
        apply(reading, state)
        readings.append(reading)
    return state, readings
