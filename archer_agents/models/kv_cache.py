"""A key-value cache that decoding does not copy.

transformers' ``DynamicLayer`` appends each decoding step's keys and values with ``torch.cat``,
which copies the layer's whole cache at every step. With the tiny actor, 16 rows and 200-token
prompts on one CPU thread, that copy was over a quarter of a decoding step (2.29 -> 1.65 ms per
step with the layer below, the same logits bit for bit: ``benchmarks/decode_step.py``). Here each
layer keeps its keys and values in a buffer with room for ``room`` more columns and writes new
states in place; the model sees a view of the filled part. A buffer is reallocated (one copy, as
one ``cat``) only when its room runs out or its rows were replaced (``reorder_cache`` and
``batch_select_indices`` make new tensors).
"""

from __future__ import annotations

import torch
from transformers.cache_utils import DynamicCache, DynamicLayer


class GrowingLayer(DynamicLayer):
    """A full-attention cache layer whose keys and values live in a buffer with spare columns."""

    def __init__(self, room: int):
        super().__init__()
        self.room = room
        self.buffers: tuple[torch.Tensor, torch.Tensor] | None = None

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs
               ) -> tuple[torch.Tensor, torch.Tensor]:
        length = self.get_seq_length()
        end = length + key_states.shape[-2]
        if not self._has_room(end, key_states):
            self._reallocate(length, end, key_states, value_states)
        keys, values = self.buffers  # type: ignore[misc]
        keys[:, :, length:end] = key_states
        values[:, :, length:end] = value_states
        self.keys, self.values = keys[:, :, :end], values[:, :, :end]
        self.dtype, self.device, self.is_initialized = key_states.dtype, key_states.device, True
        return self.keys, self.values

    def _has_room(self, end: int, key_states: torch.Tensor) -> bool:
        """Whether the buffer still holds this layer's states and has ``end`` columns."""
        if self.buffers is None:
            return False
        keys = self.buffers[0]
        held = self.keys is None or self.keys.numel() == 0 or self.keys.data_ptr() == keys.data_ptr()
        return held and keys.shape[-2] >= end and keys.shape[:2] == key_states.shape[:2] and keys.dtype == key_states.dtype

    def _reallocate(self, length: int, end: int, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        rows, heads = key_states.shape[:2]
        keys = key_states.new_empty((rows, heads, end + self.room, key_states.shape[-1]))
        values = value_states.new_empty((rows, heads, end + self.room, value_states.shape[-1]))
        if length:
            keys[:, :, :length] = self.keys
            values[:, :, :length] = self.values
        self.buffers = (keys, values)


def growing_cache(config, room: int) -> DynamicCache:
    """A ``DynamicCache`` for a model of ``config`` whose full-attention layers are
    :class:`GrowingLayer` (sliding-window layers, which drop old states, stay transformers')."""
    cache = DynamicCache(config=config)
    cache.layers = [GrowingLayer(room) if type(layer) is DynamicLayer else layer for layer in cache.layers]
    return cache
