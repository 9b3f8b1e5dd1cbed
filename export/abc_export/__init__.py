"""ABC (Qwen2-VL) model-bundle exporter: reads Hugging Face snapshot folders without transformers,
peft or safetensors installed and writes TorchScript modules plus a manifest."""

class ExportError(Exception):
    """A problem with the input checkpoint/adapters; the message names the offending key or file."""
