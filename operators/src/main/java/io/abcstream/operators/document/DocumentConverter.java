package io.abcstream.operators.document;

import io.abcstream.connectors.elasticsearch.IndexOperation;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import java.time.Instant;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/**
 * Turns an embedding into an index operation on the model version's index, keyed by its document
 * id, carrying its {@link EmbeddingDocument.Rejection} so that a rejected document's dead letter is
 * built from the embedding (request re-encoded once, in the input topic's format), not from its
 * JSON.
 */
public final class DocumentConverter implements ElementConverter<ImageEmbedding, IndexOperation> {

  private static final long serialVersionUID = 2L;

  private final String index;
  private final RecordCodec.Format inputFormat;
  private final boolean storeUriQuery;
  private transient RecordCodec<ImageEmbeddingRequest> requests;

  public DocumentConverter(String index, RecordCodec.Format inputFormat) {
    this(index, inputFormat, true);
  }

  /** {@code storeUriQuery}: see {@link DocumentOptions#STORE_URI_QUERY}. */
  public DocumentConverter(String index, RecordCodec.Format inputFormat, boolean storeUriQuery) {
    this.index = Objects.requireNonNull(index, "index");
    this.inputFormat = Objects.requireNonNull(inputFormat, "inputFormat");
    this.storeUriQuery = storeUriQuery;
  }

  @Override
  public IndexOperation apply(ImageEmbedding embedding, SinkWriter.Context context) {
    if (requests == null) {
      requests = RecordCodec.of(inputFormat, ImageEmbeddingRequest.class);
    }
    return IndexOperation.index(
        index,
        embedding.getDocId(),
        EmbeddingDocument.toJson(embedding, Instant.now(), storeUriQuery),
        EmbeddingDocument.rejection(embedding, requests).toBytes());
  }
}
