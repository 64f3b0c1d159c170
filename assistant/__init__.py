"""Multimodal conversational shopping assistant over the Magento Luma catalog."""
from assistant.settings import Settings

__all__ = ["Assistant", "ItemResult", "Reply", "Settings"]


def __getattr__(name: str):
    # Lazy, so `python -m assistant setup` does not import torch, langchain and gradio first.
    if name in ("Assistant", "ItemResult", "Reply"):
        from assistant import assistant as module
        return getattr(module, name)
    raise AttributeError(name)
