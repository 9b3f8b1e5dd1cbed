package io.abcstream.connectors.elasticsearch;

/**
 * An existing index whose {@code dense_vector} field does not fit the mapping: writing into it
 * would fail or mislead kNN.
 */
public final class IndexMappingConflictException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final String index;
  private final String field;
  private final int expectedDims;
  private final Integer actualDims;
  private final String expectedSimilarity;
  private final String actualSimilarity;

  public IndexMappingConflictException(
      String index,
      String field,
      int expectedDims,
      Integer actualDims,
      String expectedSimilarity,
      String actualSimilarity,
      String detail) {
    super(
        "refusing to write into Elasticsearch index ["
            + index
            + "]: its ["
            + field
            + "] mapping has dims="
            + actualDims
            + ", similarity="
            + actualSimilarity
            + " but the mapping needs dims="
            + expectedDims
            + ", similarity="
            + expectedSimilarity
            + (detail == null ? "" : " (" + detail + ")")
            + ". Use a new index (it is named after the version) or delete ["
            + index
            + "] if it is disposable");
    this.index = index;
    this.field = field;
    this.expectedDims = expectedDims;
    this.actualDims = actualDims;
    this.expectedSimilarity = expectedSimilarity;
    this.actualSimilarity = actualSimilarity;
  }

  public String index() {
    return index;
  }

  /** The {@code dense_vector} field that does not fit. */
  public String field() {
    return field;
  }

  public int expectedDims() {
    return expectedDims;
  }

  /** The index's dims, {@code null} when it has no such dense_vector at all. */
  public Integer actualDims() {
    return actualDims;
  }

  public String expectedSimilarity() {
    return expectedSimilarity;
  }

  public String actualSimilarity() {
    return actualSimilarity;
  }
}
