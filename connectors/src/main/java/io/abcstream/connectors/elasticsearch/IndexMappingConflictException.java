package io.abcstream.connectors.elasticsearch;

/** An existing index whose {@code embedding} mapping does not fit the model: writing into it would fail or mislead kNN. */
public final class IndexMappingConflictException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final String index;
  private final int expectedDims;
  private final Integer actualDims;
  private final String expectedSimilarity;
  private final String actualSimilarity;

  public IndexMappingConflictException(
      String index, int expectedDims, Integer actualDims, String expectedSimilarity, String actualSimilarity, String detail) {
    super(
        "refusing to write into Elasticsearch index ["
            + index
            + "]: its embedding mapping has dims="
            + actualDims
            + ", similarity="
            + actualSimilarity
            + " but the model needs dims="
            + expectedDims
            + ", similarity="
            + expectedSimilarity
            + (detail == null ? "" : " (" + detail + ")")
            + ". Use a new index (it is named after the model version) or delete ["
            + index
            + "] if it is disposable");
    this.index = index;
    this.expectedDims = expectedDims;
    this.actualDims = actualDims;
    this.expectedSimilarity = expectedSimilarity;
    this.actualSimilarity = actualSimilarity;
  }

  public String index() {
    return index;
  }

  public int expectedDims() {
    return expectedDims;
  }

  /** The index's dims, {@code null} when it has no {@code embedding} dense_vector at all. */
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
