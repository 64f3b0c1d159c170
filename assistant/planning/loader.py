"""The planner the settings ask for: the endpoint planner when they name a server
(SHOPASSIST_CHAT_ENDPOINT), else the tuned planner over the LoRA adapter they name, or the prompted
base model when they name none (SHOPASSIST_CHAT_ADAPTER=none)."""
from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def controller_adapter(settings) -> Path | None:
    """The LoRA adapter directory the chat model uses, or None for the base model. A missing
    shipped adapter falls back to the base model (with a warning); a missing chosen one is an error."""
    path = settings.controller_adapter_dir
    if path is None or (path / "adapter_config.json").exists():
        return path
    if settings.chat_adapter == "shipped":
        log.warning("no trained controller adapter in %s: using the base chat model "
                    "(python -m assistant train controller)", path)
        return None
    raise FileNotFoundError(f"SHOPASSIST_CHAT_ADAPTER={settings.chat_adapter}: no adapter_config.json there")


def load_planner(settings, registry, vocab, catalog, embedder):
    """A planner over the chat model behind the settings' endpoint, else over the local chat model
    (weights load lazily, or with `warm_up`)."""
    if settings.chat_endpoint:
        from assistant.planning.endpoint import EndpointPlanner
        return EndpointPlanner.from_settings(settings, registry, embedder)
    from assistant.models.chat_model import LocalChatModel
    from assistant.planning.prompted import PromptedPlanner
    from assistant.planning.tuned import TunedPlanner
    adapter = controller_adapter(settings)
    chat_model = LocalChatModel(model_name=settings.chat_model, models_dir=settings.models_dir,
                                max_new_tokens=settings.max_new_tokens, adapter_dir=adapter,
                                weights=settings.chat_weights, decoders=settings.turns_at_once)
    if adapter is None:
        return PromptedPlanner(chat_model, registry, settings, embedder)
    return TunedPlanner.for_catalog(chat_model, registry, vocab, catalog)
