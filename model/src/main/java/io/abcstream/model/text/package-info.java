/**
 * ABC prompts and tokens, as the ABC reference builds them (its get_embed_function; the prompt
 * pieces travel in the bundle manifest).
 *
 * <ul>
 *   <li>{@link io.abcstream.model.text.QwenTokenizer}: the bundle's {@code tokenizer.json} through
 *       DJL's HuggingFace tokenizers, no truncation, no added special tokens; knows the added
 *       (reserved) token strings.
 *   <li>{@link io.abcstream.model.text.PromptTemplate}: the chat-template pieces (from the
 *       manifest).
 *   <li>{@link io.abcstream.model.text.PromptBuilder}: mode + user text + image token count →
 *       {@link io.abcstream.model.text.TokenizedPrompt} (ids with {@code <|image_pad|>} expanded at
 *       the id level); rejects bad text with {@link io.abcstream.model.text.ModelInputException}
 *       (INVALID_REQUEST, INSTRUCTION_TOO_LONG).
 * </ul>
 */
package io.abcstream.model.text;
