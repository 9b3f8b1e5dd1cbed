package io.abcstream.connectors.elasticsearch;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * One bulk action (index or delete) with its JSON source already serialised, so buffered state
 * stays small, and an optional opaque context the job attaches for its dead-letter handler (never
 * sent).
 */
public final class IndexOperation implements Serializable {

  private static final long serialVersionUID = 1L;

  /**
   * The bulk action. Only {@code index} (create-or-overwrite) and {@code delete}: both are
   * idempotent.
   */
  public enum OpType {
    INDEX,
    DELETE
  }

  private final OpType opType;
  private final String index;
  private final String id;
  private final byte[] source;
  private final int attempt;
  private final byte[] context;

  private IndexOperation(
      OpType opType, String index, String id, byte[] source, int attempt, byte[] context) {
    Objects.requireNonNull(opType, "opType");
    requireNonBlank(index, "index");
    requireNonBlank(id, "id");
    if (opType == OpType.INDEX && (source == null || source.length == 0)) {
      throw new IllegalArgumentException("an index operation needs a JSON source (id " + id + ")");
    }
    if (opType == OpType.DELETE && source != null) {
      throw new IllegalArgumentException("a delete operation has no source (id " + id + ")");
    }
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must be >= 0, got " + attempt);
    }
    this.opType = opType;
    this.index = index;
    this.id = id;
    // The bytes are owned by the operation from here on; callers hand over a fresh array.
    this.source = source;
    this.attempt = attempt;
    this.context = context;
  }

  /**
   * Index (create or overwrite) {@code source} under {@code id}: replays overwrite instead of
   * duplicating.
   */
  public static IndexOperation index(String index, String id, byte[] jsonSource) {
    return index(index, id, jsonSource, null);
  }

  /**
   * Same as {@link #index(String, String, byte[])}, carrying {@code context} (owned from here on):
   * whatever the job's {@link DeadLetterHandler} needs to report this operation if it is rejected,
   * so that it never has to parse the source back.
   */
  public static IndexOperation index(String index, String id, byte[] jsonSource, byte[] context) {
    return new IndexOperation(OpType.INDEX, index, id, jsonSource, 0, context);
  }

  /** Same as {@link #index(String, String, byte[])} with a JSON string source. */
  public static IndexOperation index(String index, String id, String jsonSource) {
    return index(
        index,
        id,
        Objects.requireNonNull(jsonSource, "jsonSource").getBytes(StandardCharsets.UTF_8));
  }

  /** Delete {@code id}; a missing document counts as success. */
  public static IndexOperation delete(String index, String id) {
    return new IndexOperation(OpType.DELETE, index, id, null, 0, null);
  }

  /** Rebuilds an operation read from state (keeps its attempt count). */
  static IndexOperation restore(
      OpType opType, String index, String id, byte[] source, int attempt, byte[] context) {
    return new IndexOperation(opType, index, id, source, attempt, context);
  }

  /** A copy that records one more failed attempt, used when the writer re-queues it. */
  IndexOperation nextAttempt() {
    return new IndexOperation(opType, index, id, source, attempt + 1, context);
  }

  public OpType opType() {
    return opType;
  }

  public String index() {
    return index;
  }

  public String id() {
    return id;
  }

  /** The JSON source (not copied: do not modify); {@code null} for deletes. */
  public byte[] source() {
    return source;
  }

  /**
   * The job's dead-letter context (not copied: do not modify); {@code null} when none was attached.
   */
  public byte[] context() {
    return context;
  }

  /** How many times this operation has already failed with a retryable error (0 on first send). */
  public int attempt() {
    return attempt;
  }

  /** Approximate bytes it adds to a bulk body: action line + source line. */
  public long sizeInBytes() {
    return 48L + index.length() + id.length() + (source == null ? 0 : source.length + 1);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof IndexOperation)) {
      return false;
    }
    IndexOperation that = (IndexOperation) o;
    return attempt == that.attempt
        && opType == that.opType
        && index.equals(that.index)
        && id.equals(that.id)
        && Arrays.equals(source, that.source)
        && Arrays.equals(context, that.context);
  }

  @Override
  public int hashCode() {
    return (Objects.hash(opType, index, id, attempt) * 31 + Arrays.hashCode(source)) * 31
        + Arrays.hashCode(context);
  }

  @Override
  public String toString() {
    return opType.name().toLowerCase(Locale.ROOT)
        + " "
        + index
        + "/"
        + id
        + (attempt > 0 ? " (attempt " + (attempt + 1) + ")" : "")
        + (source == null ? "" : " " + source.length + " bytes");
  }

  private static String requireNonBlank(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }
}
