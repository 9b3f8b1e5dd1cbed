package io.abcstream.connectors.elasticsearch;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.transport.TransportException;
import io.abcstream.common.Throwables;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.apache.http.ConnectionClosedException;
import org.elasticsearch.client.ResponseException;

/** The one pure decision table for bulk outcomes: success, retry, dead letter or fail the job. */
public final class BulkItemClassifier {

  /** What to do with an item (or with a whole request). */
  public enum Decision {
    /** Written (or, for a delete, already absent). */
    SUCCESS,
    /** Transient: the cluster is busy or unreachable; send again after a backoff. */
    RETRY,
    /** This document can never be written as is: hand it to the dead-letter handler, go on. */
    DEAD_LETTER,
    /** Every document would fail the same way: stop the job and tell the operator what to fix. */
    FATAL
  }

  // Item error types that say "try later" whatever the status code says.
  private static final Set<String> RETRY_TYPES =
      Set.of(
          "es_rejected_execution_exception",
          "circuit_breaking_exception",
          "unavailable_shards_exception",
          "no_shard_available_action_exception",
          "primary_missing_action_exception",
          "node_not_connected_exception",
          "node_disconnected_exception",
          "node_closed_exception",
          "connect_transport_exception",
          "receive_timeout_transport_exception",
          "process_cluster_event_timeout_exception",
          "shard_not_in_primary_mode_exception",
          "retry_on_primary_exception",
          "timeout_exception");

  // Item error types that are a cluster or job configuration problem, not a property of one
  // document.
  private static final Set<String> FATAL_TYPES =
      Set.of(
          "index_not_found_exception",
          "security_exception",
          "invalid_index_name_exception",
          "index_closed_exception",
          "cluster_block_exception",
          "invalid_alias_name_exception");

  private BulkItemClassifier() {}

  /**
   * Classifies one bulk item.
   *
   * @param opType the action sent
   * @param status the item's HTTP status
   * @param errorType the item's {@code error.type}, {@code null} when the item has no error
   * @param reason the item's {@code error.reason}, may be {@code null}
   */
  public static Decision classifyItem(
      IndexOperation.OpType opType, int status, String errorType, String reason) {
    String type = normalise(errorType);
    if (type == null && status >= 200 && status < 300) {
      return Decision.SUCCESS;
    }
    if (opType == IndexOperation.OpType.DELETE && status == 404 && (type == null)) {
      return Decision.SUCCESS; // deleting what is not there is the desired end state
    }
    // 429 first: a flood-stage cluster_block_exception comes as 429 and lifts itself once disk is
    // freed.
    if (status == 429 || (type != null && RETRY_TYPES.contains(type))) {
      return Decision.RETRY;
    }
    if (type != null && FATAL_TYPES.contains(type)) {
      return Decision.FATAL;
    }
    if (reason != null && reason.contains("no write index is defined")) {
      return Decision.FATAL; // an alias without a write index rejects every document alike
    }
    if (status == 401 || status == 403 || status == 404 || status == 413) {
      return Decision.FATAL;
    }
    if (status >= 500) {
      return Decision
          .RETRY; // 502/503/504 and other server-side trouble; bounded by the retry policy
    }
    // What is left concerns this document only: it does not fit the mapping
    // (mapper_parsing_exception,
    // document_parsing_exception, strict_dynamic_mapping_exception, illegal_argument_exception...),
    // a version conflict, any other 4xx, or a status we do not know: never drop it silently, never
    // loop on it.
    return Decision.DEAD_LETTER;
  }

  /**
   * Classifies a whole bulk request that got no per-item answer: HTTP errors on the request itself,
   * transport and connection errors. Never {@link Decision#DEAD_LETTER}: a request failure is not
   * any one document's fault.
   */
  public static Decision classifyRequestFailure(Throwable failure) {
    Throwable t = Throwables.unwrap(failure);
    int status = statusOf(t);
    if (status > 0) {
      return classifyRequestStatus(status);
    }
    if (hasCause(t, SSLException.class)) {
      return Decision.FATAL; // a TLS handshake failing is configuration: trust store, CA, host name
    }
    if (hasCause(t, IOException.class)) {
      return Decision.RETRY; // connection refused/reset, timeouts, DNS: the cluster may come back
    }
    return Decision.FATAL; // a bug or an unexpected client error: retrying would hide it
  }

  /** Decision for an HTTP status on the bulk request as a whole. */
  public static Decision classifyRequestStatus(int status) {
    if (status == 429 || status >= 500) {
      return Decision.RETRY;
    }
    if (status >= 200 && status < 300) {
      return Decision.SUCCESS;
    }
    return Decision
        .FATAL; // 400 malformed bulk, 401/403 auth, 404 wrong URL/path prefix, 413 too large
  }

  /**
   * What an operator should do about a request that failed without an HTTP status: a TLS handshake
   * (unknown CA, wrong host name) or plain http sent to an https port.
   */
  public static String fixHint(Throwable failure) {
    if (hasCause(failure, SSLException.class)) {
      return "the TLS handshake with Elasticsearch failed: trust the CA that signed the cluster's"
          + " certificate (elasticsearch.tls.ca.path = its PEM file, or"
          + " elasticsearch.tls.truststore.path) and use the host name the certificate names in"
          + " elasticsearch.hosts";
    }
    if (hasCause(failure, ConnectionClosedException.class)) {
      return "the connection was closed before any answer: if the cluster serves https, the hosts"
          + " must start with https:// (elasticsearch.hosts)";
    }
    return "check elasticsearch.hosts (is the cluster reachable?) and elasticsearch.tls.*";
  }

  /** What an operator should do about a fatal outcome, to put into the job's failure message. */
  public static String fixHint(int status, String errorType, String reason) {
    String type = normalise(errorType);
    if (status == 401 || ("security_exception".equals(type) && status != 403)) {
      return "authentication failed: check elasticsearch.auth.* (username/password or API key env var/file)";
    }
    if (status == 403) {
      return "not authorised or index blocked: grant the sink's user the 'index' (and 'create_index' if"
          + " auto-creating) privilege on the target index/alias, or clear index.blocks.* on the index";
    }
    if ("index_not_found_exception".equals(type)) {
      return "the target index does not exist and the cluster does not auto-create it: create it first"
          + " (IndexManager / 'abc' start-up) or check the index name the element converter uses";
    }
    if (reason != null && reason.contains("no write index is defined")) {
      return "the alias points at several indices without a write index: set is_write_index on one";
    }
    if ("invalid_index_name_exception".equals(type)
        || "invalid_alias_name_exception".equals(type)) {
      return "the index name is not valid in Elasticsearch: check the configured index prefix";
    }
    if ("index_closed_exception".equals(type)) {
      return "the target index is closed: open it";
    }
    if ("cluster_block_exception".equals(type)) {
      return "the index or cluster is blocked for writes: clear the block (index.blocks.*) or free disk";
    }
    if (status == 404) {
      return "HTTP 404 on the bulk endpoint: check elasticsearch.hosts and elasticsearch.path-prefix";
    }
    if (status == 413) {
      return "the bulk request is too large for the cluster: lower sink.batch.max-size-bytes or raise"
          + " http.max_content_length";
    }
    if (status == 400) {
      return "the cluster rejected the bulk request as malformed: check elasticsearch.hosts /"
          + " path-prefix point at Elasticsearch 8.x";
    }
    return "see the error above";
  }

  /** The HTTP status carried by an Elasticsearch client exception, or -1. */
  public static int statusOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ElasticsearchException) {
        return ((ElasticsearchException) t).status();
      }
      if (t instanceof ResponseException) {
        return ((ResponseException) t).getResponse().getStatusLine().getStatusCode();
      }
      if (t instanceof TransportException && ((TransportException) t).statusCode() > 0) {
        return ((TransportException) t).statusCode();
      }
      if (t instanceof HttpStatusException) {
        return ((HttpStatusException) t).status();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return -1;
  }

  /** The Elasticsearch error type carried by a client exception, or {@code null}. */
  public static String errorTypeOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ElasticsearchException && ((ElasticsearchException) t).error() != null) {
        return ((ElasticsearchException) t).error().type();
      }
      if (t instanceof HttpStatusException) {
        return ((HttpStatusException) t).errorType();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static String normalise(String errorType) {
    return errorType == null || errorType.isBlank()
        ? null
        : errorType.trim().toLowerCase(Locale.ROOT);
  }

  /** A whole-request HTTP failure in a client-neutral form (what fakes and adapters throw). */
  public static final class HttpStatusException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String errorType;

    public HttpStatusException(int status, String errorType, String message) {
      super(
          "HTTP "
              + status
              + (errorType == null ? "" : " " + errorType)
              + (message == null ? "" : ": " + message));
      this.status = status;
      this.errorType = errorType;
    }

    public int status() {
      return status;
    }

    public String errorType() {
      return errorType;
    }
  }
}
