package io.abcstream.operators.validate;

import io.abcstream.schemas.ImageEmbeddingRequest;
import java.util.List;

/**
 * The request to embed (null when nothing of it can be embedded) and the rejections, whole-request
 * or per instruction.
 */
public final class ValidationResult {

  private final ImageEmbeddingRequest accepted;
  private final List<RequestRejection> rejections;

  ValidationResult(ImageEmbeddingRequest accepted, List<RequestRejection> rejections) {
    this.accepted = accepted;
    this.rejections = List.copyOf(rejections);
  }

  public ImageEmbeddingRequest accepted() {
    return accepted;
  }

  public List<RequestRejection> rejections() {
    return rejections;
  }
}
