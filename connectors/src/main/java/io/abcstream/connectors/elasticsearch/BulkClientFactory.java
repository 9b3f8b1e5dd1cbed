package io.abcstream.connectors.elasticsearch;

import java.io.Serializable;

/**
 * Creates the {@link BulkClient} inside the writer, so only this (configuration) travels in the job
 * graph.
 */
@FunctionalInterface
public interface BulkClientFactory extends Serializable {

  BulkClient create() throws Exception;
}
