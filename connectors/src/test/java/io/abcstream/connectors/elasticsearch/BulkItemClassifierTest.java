package io.abcstream.connectors.elasticsearch;

import static io.abcstream.connectors.elasticsearch.BulkItemClassifier.Decision.DEAD_LETTER;
import static io.abcstream.connectors.elasticsearch.BulkItemClassifier.Decision.FATAL;
import static io.abcstream.connectors.elasticsearch.BulkItemClassifier.Decision.RETRY;
import static io.abcstream.connectors.elasticsearch.BulkItemClassifier.Decision.SUCCESS;
import static io.abcstream.connectors.elasticsearch.IndexOperation.OpType.DELETE;
import static io.abcstream.connectors.elasticsearch.IndexOperation.OpType.INDEX;
import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.connectors.elasticsearch.BulkItemClassifier.Decision;
import io.abcstream.connectors.elasticsearch.BulkItemClassifier.HttpStatusException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BulkItemClassifierTest {

  static Stream<Arguments> items() {
    return Stream.of(
        // op, status, error type, reason, expected
        Arguments.of(INDEX, 200, null, null, SUCCESS),
        Arguments.of(INDEX, 201, null, null, SUCCESS),
        Arguments.of(DELETE, 200, null, null, SUCCESS),
        Arguments.of(DELETE, 404, null, null, SUCCESS),
        // retry: overload and unavailability
        Arguments.of(
            INDEX,
            429,
            "es_rejected_execution_exception",
            "rejected execution of coordinating operation",
            RETRY),
        Arguments.of(INDEX, 429, "circuit_breaking_exception", "[parent] Data too large", RETRY),
        Arguments.of(
            INDEX,
            429,
            "cluster_block_exception",
            "index [x] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark",
            RETRY),
        Arguments.of(INDEX, 429, null, null, RETRY),
        Arguments.of(INDEX, 502, null, null, RETRY),
        Arguments.of(
            INDEX, 503, "unavailable_shards_exception", "primary shard is not active", RETRY),
        Arguments.of(INDEX, 504, null, null, RETRY),
        Arguments.of(INDEX, 500, "es_rejected_execution_exception", "rejected", RETRY),
        Arguments.of(INDEX, 500, "exception", "something odd", RETRY),
        // dead letter: this document does not fit the mapping
        Arguments.of(
            INDEX,
            400,
            "mapper_parsing_exception",
            "failed to parse field [embedding]",
            DEAD_LETTER),
        Arguments.of(
            INDEX, 400, "document_parsing_exception", "[1:20] failed to parse", DEAD_LETTER),
        Arguments.of(
            INDEX,
            400,
            "illegal_argument_exception",
            "The [dense_vector] field [embedding] has a different number of dimensions [3] than defined in the mapping [4]",
            DEAD_LETTER),
        Arguments.of(
            INDEX, 400, "strict_dynamic_mapping_exception", "mapping set to strict", DEAD_LETTER),
        Arguments.of(INDEX, 400, "x_content_parse_exception", "unexpected token", DEAD_LETTER),
        Arguments.of(
            INDEX, 409, "version_conflict_engine_exception", "version conflict", DEAD_LETTER),
        Arguments.of(INDEX, 400, "some_new_exception", "unknown", DEAD_LETTER),
        Arguments.of(INDEX, 422, null, null, DEAD_LETTER),
        // fatal: every document would fail alike
        Arguments.of(INDEX, 401, "security_exception", "missing authentication credentials", FATAL),
        Arguments.of(
            INDEX,
            403,
            "security_exception",
            "action [indices:data/write/bulk[s]] is unauthorized",
            FATAL),
        Arguments.of(
            INDEX,
            403,
            "cluster_block_exception",
            "index [x] blocked by: [FORBIDDEN/8/index write (api)]",
            FATAL),
        Arguments.of(INDEX, 404, "index_not_found_exception", "no such index [x]", FATAL),
        Arguments.of(DELETE, 404, "index_not_found_exception", "no such index [x]", FATAL),
        Arguments.of(INDEX, 400, "invalid_index_name_exception", "must be lowercase", FATAL),
        Arguments.of(INDEX, 400, "index_closed_exception", "closed", FATAL),
        Arguments.of(
            INDEX,
            400,
            "illegal_argument_exception",
            "no write index is defined for alias [docs]",
            FATAL),
        Arguments.of(INDEX, 413, null, null, FATAL));
  }

  @ParameterizedTest(name = "{0} {1} {2} -> {4}")
  @MethodSource("items")
  void classifiesBulkItems(
      IndexOperation.OpType op, int status, String type, String reason, Decision expected) {
    assertThat(BulkItemClassifier.classifyItem(op, status, type, reason)).isEqualTo(expected);
  }

  static Stream<Arguments> requestFailures() {
    return Stream.of(
        Arguments.of(new ConnectException("Connection refused"), RETRY),
        Arguments.of(new SocketTimeoutException("Read timed out"), RETRY),
        Arguments.of(new CompletionException(new IOException("Connection reset")), RETRY),
        Arguments.of(
            new HttpStatusException(429, "es_rejected_execution_exception", "busy"), RETRY),
        Arguments.of(new HttpStatusException(502, null, "bad gateway"), RETRY),
        Arguments.of(new HttpStatusException(503, null, null), RETRY),
        Arguments.of(new HttpStatusException(504, null, null), RETRY),
        Arguments.of(new CompletionException(new HttpStatusException(503, null, null)), RETRY),
        Arguments.of(new HttpStatusException(401, "security_exception", "unauthenticated"), FATAL),
        Arguments.of(new HttpStatusException(403, "security_exception", "unauthorized"), FATAL),
        Arguments.of(new HttpStatusException(404, null, "no handler"), FATAL),
        Arguments.of(new HttpStatusException(413, null, "too large"), FATAL),
        Arguments.of(
            new HttpStatusException(400, "illegal_argument_exception", "malformed action"), FATAL),
        Arguments.of(new SSLHandshakeException("PKIX path building failed"), FATAL),
        Arguments.of(new IllegalStateException("bug"), FATAL));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("requestFailures")
  void classifiesWholeRequestFailures(Throwable failure, Decision expected) {
    assertThat(BulkItemClassifier.classifyRequestFailure(failure)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "hint for {0} {1}")
  @MethodSource("hints")
  void fatalHintsSayWhatToFix(int status, String type, String expectedFragment) {
    assertThat(BulkItemClassifier.fixHint(status, type, null)).contains(expectedFragment);
  }

  static Stream<Arguments> hints() {
    return Stream.of(
        Arguments.of(401, "security_exception", "elasticsearch.auth"),
        Arguments.of(403, "security_exception", "privilege"),
        Arguments.of(404, "index_not_found_exception", "IndexManager"),
        Arguments.of(404, null, "path-prefix"),
        Arguments.of(413, null, "batch.max-size"));
  }
}
