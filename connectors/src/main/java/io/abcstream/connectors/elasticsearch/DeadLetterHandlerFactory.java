package io.abcstream.connectors.elasticsearch;

import java.io.Serializable;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Serializable recipe for a {@link DeadLetterHandler}, created once per writer in {@code
 * createWriter}.
 */
@FunctionalInterface
public interface DeadLetterHandlerFactory extends Serializable {

  DeadLetterHandler create(WriterInitContext context) throws Exception;
}
