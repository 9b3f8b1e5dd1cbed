package io.abcstream.operators.document;

import io.abcstream.connectors.elasticsearch.IndexOperation;
import io.abcstream.schemas.ImageEmbedding;
import java.time.Instant;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/** Turns an embedding into an index operation on the model version's index, keyed by its document id. */
public final class DocumentConverter implements ElementConverter<ImageEmbedding, IndexOperation> {

  private static final long serialVersionUID = 1L;

  private final String index;

  public DocumentConverter(String index) {
    this.index = Objects.requireNonNull(index, "index");
  }

  @Override
  public IndexOperation apply(ImageEmbedding embedding, SinkWriter.Context context) {
    return IndexOperation.index(index, embedding.getDocId(), EmbeddingDocuments.toJson(embedding, Instant.now()));
  }
}
