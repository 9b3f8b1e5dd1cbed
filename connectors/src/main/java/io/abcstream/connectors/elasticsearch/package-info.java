/**
 * Elasticsearch sink (Flink Sink V2 on {@code AsyncSinkBase}) and index management.
 *
 * <pre>{@code
 * IndexManager.EnsureResult index;
 * try (IndexManager manager = IndexManager.connect(ElasticsearchConnectionConfig.fromConfiguration(conf))) {
 *   index = manager.ensureIndex(IndexManager.IndexSpec.fromConfiguration(conf, bundle.modelVersion(), bundle.dims()));
 * }
 * ElasticsearchSink<EmbeddingDocument> sink =
 *     ElasticsearchSink.<EmbeddingDocument>builder()
 *         .setConfiguration(conf)                       // elasticsearch.* options
 *         .setElementConverter((doc, ctx) -> IndexOperation.index(index.index(), doc.id(), doc.toJsonBytes()))
 *         .setDeadLetterHandlerFactory(new KafkaDeadLetterHandlerFactory(KafkaClientConfig.of(bootstrap), dlqTopic, Format.AVRO, Format.AVRO))
 *         .build();
 * stream.sinkTo(sink).uid("es-sink").name("Elasticsearch");
 * }</pre>
 *
 * <p>Outcomes per bulk item follow {@link io.abcstream.connectors.elasticsearch.BulkItemClassifier}:
 * success; retry with capped exponential backoff (429, 5xx, rejected execution, I/O); dead letter
 * (mapping/parsing 4xx); fail the job with a fix hint (401/403, missing or closed index, TLS).
 * Retries that run out fail the job by default ({@link
 * io.abcstream.connectors.elasticsearch.RetryPolicy.ExhaustedAction}). Before a checkpoint the
 * whole buffer is sent and awaited ({@code elasticsearch.sink.flush-on-checkpoint}).
 */
package io.abcstream.connectors.elasticsearch;
