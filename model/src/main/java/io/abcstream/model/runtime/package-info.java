/**
 * The ABC runtime: bundle loading, batch collation and TorchScript inference through DJL PyTorch.
 *
 * <ul>
 *   <li>{@link io.abcstream.model.runtime.ModelBundle} / {@link
 *       io.abcstream.model.runtime.Manifest}: a validated bundle directory (docs/ARCHITECTURE.md,
 *       "Bundle").
 *   <li>{@link io.abcstream.model.runtime.EmbeddingInput}: what to embed (query, image, text);
 *       {@link io.abcstream.model.runtime.PreparedInput}: tokenized, ready to batch.
 *   <li>{@link io.abcstream.model.runtime.BatchCollator} → {@link
 *       io.abcstream.model.runtime.CollatedBatch}: padded ids/mask, deduplicated images' pixel rows
 *       in one direct buffer, grid_thw, row_image, instruct.
 *   <li>{@link io.abcstream.model.runtime.AbcModel}: one bundle on one device; {@code prepare} on
 *       any thread, {@code run}/{@code embed} serialized per instance (one instance per device
 *       worker).
 *   <li>{@link io.abcstream.model.runtime.Embedder}: bytes/RgbImage + instructions, or text →
 *       vectors; {@code dumpInputs} writes .npy model inputs for parity debugging.
 * </ul>
 *
 * Errors: {@link io.abcstream.model.runtime.BundleException} (unusable bundle), {@link
 * io.abcstream.model.runtime.ModelException} (inference, DLQ MODEL_ERROR), {@link
 * io.abcstream.model.text.ModelInputException} and {@link io.abcstream.model.image.ImageException}
 * (bad input, DLQ classes by kind).
 */
package io.abcstream.model.runtime;
