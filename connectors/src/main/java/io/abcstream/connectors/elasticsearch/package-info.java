/**
 * A generic Elasticsearch sink (Flink Sink V2 on {@code AsyncSinkBase}) and index management: the
 * job supplies the element converter, the index mapping and the dead-letter handler, so nothing
 * here knows what the documents mean.
 *
 * <pre>{@code
 * IndexManager.EnsureResult index;
 * try (IndexManager manager = IndexManager.connect(ElasticsearchConnectionConfig.fromConfiguration(conf))) {
 *   index = manager.ensureIndex(IndexManager.IndexSpec.fromConfiguration(conf, version, myMappings));
 * }
 * ElasticsearchSink<MyRecord> sink =
 *     ElasticsearchSink.<MyRecord>builder()
 *         .setConfiguration(conf)                       // elasticsearch.* options
 *         .setElementConverter((rec, ctx) -> IndexOperation.index(index.index(), rec.id(), rec.toJson(), rec.deadLetterContext()))
 *         .setDeadLetterHandlerFactory(myDeadLetters)   // receives the rejected operation with its context
 *         .build();
 * stream.sinkTo(sink).uid("es-sink").name("Elasticsearch");
 * }</pre>
 *
 * <p>Outcomes per bulk item follow {@link
 * io.abcstream.connectors.elasticsearch.BulkItemClassifier}: success; retry with capped exponential
 * backoff (429, 5xx, rejected execution, I/O); dead letter (mapping/parsing 4xx); fail the job with
 * a fix hint (401/403, missing or closed index, TLS). Retries that run out fail the job by default
 * ({@link io.abcstream.connectors.elasticsearch.RetryPolicy.ExhaustedAction}). Before a checkpoint
 * the whole buffer is sent and awaited ({@code elasticsearch.sink.flush-on-checkpoint}).
 */
package io.abcstream.connectors.elasticsearch;
